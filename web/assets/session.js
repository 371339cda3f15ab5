// Token login for the staff pages. The token stays in sessionStorage: it
// survives a reload of this tab and is gone when the tab closes. It is sent
// only in the Authorization header, never in a URL.
import { api, ApiError } from './api.js';
import { $, showFieldError } from './dom.js';

// setupLogin({storageKey, probe: '/v1/...', roleName, onSignedIn(token), onSignedOut()})
// expects #login (form), #login-token (input), #app (the signed-in view) and
// #sign-out (button) in the page.
export function setupLogin({ storageKey, probe, roleName, onSignedIn, onSignedOut }) {
  const form = $('#login');
  const input = $('#login-token');
  const app = $('#app');
  const signOut = $('#sign-out');

  async function check(token) {
    try {
      await api('GET', probe, { token });
      return null;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return 'This token is unknown or has been revoked. Ask your administrator for a new one.';
      if (e instanceof ApiError && e.status === 403) return `This token may not use this page: it needs the ${roleName} role.`;
      return e.message;
    }
  }

  function show(signedIn) {
    form.hidden = signedIn;
    app.hidden = !signedIn;
    signOut.hidden = !signedIn;
  }

  async function signIn(token, fromStorage) {
    const problem = await check(token);
    if (problem) {
      sessionStorage.removeItem(storageKey);
      show(false);
      if (!fromStorage) {
        showFieldError(input, problem);
        input.focus();
      }
      return;
    }
    sessionStorage.setItem(storageKey, token);
    showFieldError(input, '');
    input.value = '';
    show(true);
    onSignedIn(token);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) {
      showFieldError(input, 'Paste your access token.');
      input.focus();
      return;
    }
    signIn(token, false);
  });

  signOut.addEventListener('click', () => {
    sessionStorage.removeItem(storageKey);
    show(false);
    onSignedOut?.();
    input.focus();
  });

  const stored = sessionStorage.getItem(storageKey);
  if (stored) signIn(stored, true);
  else {
    show(false);
    input.focus();
  }
}
