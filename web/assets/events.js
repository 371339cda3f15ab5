// The live event stream for the staff pages. EventSource cannot send an
// Authorization header, so every connection first trades the token for a
// single-use ticket (POST /v1/events/ticket). Because a ticket works once, the
// browser's own reconnect would fail: on any error the stream is closed and
// reopened here with a fresh ticket and the last seen seq, so no event is lost.
import { api, ApiError } from './api.js';

export const incidentEvents = ['incident.declared', 'incident.updated', 'incident.resolved'];

// openEvents({token, types, onEvent(event), onState(state)}) -> {close()}
// state: 'connecting' | 'live' | 'reconnecting' | 'unauthorized'
export function openEvents({ token, types, onEvent, onState = () => {} }) {
  let source = null;
  let lastId = null;
  let closed = false;
  let timer = null;
  let delay = 500;

  function schedule() {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(connect, delay);
    delay = Math.min(delay * 2, 15000);
  }

  async function connect() {
    if (closed) return;
    onState(lastId === null ? 'connecting' : 'reconnecting');
    let ticket;
    try {
      ticket = (await api('POST', '/v1/events/ticket', { token })).data.ticket;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        onState('unauthorized');
        return;
      }
      schedule();
      return;
    }
    if (closed) return;
    const params = new URLSearchParams({ ticket, types: types.join(',') });
    if (lastId !== null) params.set('last_event_id', lastId);
    source = new EventSource(`/v1/events?${params}`);
    source.addEventListener('open', () => {
      delay = 500;
      onState('live');
    });
    for (const type of types) {
      source.addEventListener(type, (message) => {
        if (message.lastEventId) lastId = message.lastEventId;
        let event;
        try {
          event = JSON.parse(message.data);
        } catch {
          return;
        }
        onEvent(event);
      });
    }
    source.addEventListener('error', () => {
      source.close();
      source = null;
      onState('reconnecting');
      schedule();
    });
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      if (source) source.close();
    },
  };
}

const stateWords = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', unauthorized: 'Signed out' };

export function showLiveState(node, state) {
  node.dataset.state = state;
  node.textContent = stateWords[state] || state;
}
