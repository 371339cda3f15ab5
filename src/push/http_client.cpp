#include "outagedesk/push/http_client.hpp"

#include "outagedesk/service/auth.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/hmac.h>

namespace outagedesk::push {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

bool private_address(const net::ip::address& address) {
    if (address.is_loopback() || address.is_unspecified()) return true;
    if (address.is_v4()) {
        auto bytes = address.to_v4().to_bytes();
        return bytes[0] == 10 || (bytes[0] == 172 && (bytes[1] & 0xf0) == 16) || (bytes[0] == 192 && bytes[1] == 168) ||
               (bytes[0] == 169 && bytes[1] == 254);
    }
    auto v6 = address.to_v6();
    return v6.is_link_local() || v6.is_site_local() || (v6.to_bytes()[0] & 0xfe) == 0xfc || v6.is_v4_mapped();
}

http::request<http::string_body> build(const outbound_request& request) {
    http::request<http::string_body> req{http::verb::post, request.url.target, 11};
    req.set(http::field::host, request.url.host_header());
    req.set(http::field::user_agent, "outagedesk");
    req.set(http::field::content_type, request.content_type);
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.keep_alive(false);
    req.body() = request.body;
    req.prepare_payload();
    return req;
}

// Runs the exchange on a private io_context; the stream's timer bounds each step.
template <typename Stream, typename Handshake>
outbound_result exchange(net::io_context& io, Stream& stream, beast::tcp_stream& lowest, const tcp::resolver::results_type& endpoints,
                         const outbound_request& request, const client_settings& settings, Handshake handshake) {
    outbound_result result;
    beast::error_code failure;
    http::request<http::string_body> req = build(request);
    http::response_parser<http::string_body> parser;
    parser.body_limit(1024 * 1024);
    beast::flat_buffer buffer;
    lowest.expires_after(settings.timeout);
    lowest.async_connect(endpoints, [&](beast::error_code ec, const tcp::endpoint&) {
        if (ec) {
            failure = ec;
            result.error = "connect: " + ec.message();
            return;
        }
        handshake([&](beast::error_code hec) {
            if (hec) {
                failure = hec;
                result.error = "tls: " + hec.message();
                return;
            }
            http::async_write(stream, req, [&](beast::error_code wec, std::size_t) {
                if (wec) {
                    failure = wec;
                    result.error = "write: " + wec.message();
                    return;
                }
                http::async_read(stream, buffer, parser, [&](beast::error_code rec, std::size_t) {
                    if (rec) {
                        failure = rec;
                        result.error = "read: " + rec.message();
                        return;
                    }
                    result.status = parser.get().result_int();
                    result.body = parser.get().body().substr(0, 4096);
                });
            });
        });
    });
    io.run();
    if (failure == beast::error::timeout) result.error = "timed out after " + std::to_string(settings.timeout.count()) + " ms";
    return result;
}

}  // namespace

outbound_result post(const outbound_request& request, const client_settings& settings) {
    net::io_context io;
    tcp::resolver resolver(io);
    beast::error_code ec;
    auto endpoints = resolver.resolve(request.url.host, std::to_string(request.url.port), ec);
    if (ec) return {0, "resolve: " + ec.message(), ""};
    if (!settings.allow_private_targets)
        for (const auto& entry : endpoints)
            if (private_address(entry.endpoint().address()))
                return {0, "refused: " + entry.endpoint().address().to_string() + " is a private address", ""};
    if (!request.url.tls) {
        beast::tcp_stream stream(io);
        return exchange(io, stream, stream, endpoints, request, settings, [](auto&& next) { next(beast::error_code{}); });
    }
    net::ssl::context tls(net::ssl::context::tls_client);
    tls.set_verify_mode(net::ssl::verify_peer);
    if (settings.ca_file.empty())
        tls.set_default_verify_paths();
    else
        tls.load_verify_file(settings.ca_file, ec);
    if (ec) return {0, "tls: cannot load CA file " + settings.ca_file + ": " + ec.message(), ""};
    beast::ssl_stream<beast::tcp_stream> stream(io, tls);
    if (!SSL_set_tlsext_host_name(stream.native_handle(), request.url.host.c_str()))
        return {0, "tls: cannot set the server name", ""};
    stream.set_verify_callback(net::ssl::host_name_verification(request.url.host));
    return exchange(io, stream, beast::get_lowest_layer(stream), endpoints, request, settings, [&stream](auto&& next) {
        stream.async_handshake(net::ssl::stream_base::client, std::forward<decltype(next)>(next));
    });
}

std::string hmac_sha256_hex(const std::string& key, const std::string& message) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
         message.size(), digest, &length);
    return service::hex_encode(digest, length);
}

}  // namespace outagedesk::push
