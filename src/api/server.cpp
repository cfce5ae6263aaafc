// The only translation unit that includes Boost.Beast: an asynchronous HTTP/1.1 server with
// keep-alive, request size limits, idle timeouts, 100-continue, and graceful stop.
#include <utility>  // before asio: Boost 1.74 + C++20 needs it

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "api/http.hpp"
#include "core/strings.hpp"
#include "obs/log.hpp"

namespace crossdock::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

struct Shared {
  ServerOptions opts;
  Handler* handler;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::ReadHeader, shared_from_this()));
  }

 private:
  void ReadHeader() {
    if (shared_->stopping) return Close();
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(static_cast<std::uint64_t>(shared_->opts.max_body_bytes));
    stream_.expires_after(std::chrono::seconds(shared_->opts.idle_timeout_seconds));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    const auto expect = req[http::field::expect];
    if (!expect.empty() && IEquals(expect, "100-continue")) {
      // A declared oversize body is refused before the client sends it.
      if (parser_->content_length() &&
          *parser_->content_length() > static_cast<std::uint64_t>(shared_->opts.max_body_bytes)) {
        return OnReadError(http::error::body_limit);
      }
      continue_.emplace(http::status::continue_, req.version());
      http::async_write(stream_, *continue_,
                        beast::bind_front_handler(&Session::OnContinue, shared_from_this()));
      return;
    }
    ReadBody();
  }

  void OnContinue(beast::error_code ec, std::size_t) {
    continue_.reset();
    if (ec) return Close();
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return OnRead({}, 0);
    stream_.expires_after(std::chrono::seconds(shared_->opts.idle_timeout_seconds));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      return Close();
    }
    Request r;
    r.path = "";
    r.correlation_id = ResolveCorrelationId({}, {});
    Response resp;
    if (ec == http::error::body_limit) {
      resp = Problem(413, "payload-too-large", "Payload too large",
                     "the request body exceeds the server limit of " +
                         std::to_string(shared_->opts.max_body_bytes) + " bytes",
                     &r);
    } else if (ec == http::error::header_limit) {
      resp = Problem(431, "headers-too-large", "Request header fields too large",
                     "the request headers exceed 16384 bytes", &r);
    } else {
      resp = Problem(400, "bad-http", "Malformed HTTP request",
                     "the request could not be parsed as HTTP/1.1: " + ec.message(), &r);
    }
    resp.headers.emplace_back("X-Correlation-Id", r.correlation_id);
    keep_alive_ = false;
    Write(std::move(resp), 11);
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    const unsigned version = msg.version();
    auto req = std::make_shared<Request>();
    req->method = std::string(msg.method_string());
    req->target = std::string(msg.target());
    const auto q = req->target.find('?');
    req->path = UrlDecode(std::string_view(req->target).substr(0, q));
    if (q != std::string::npos) req->query = req->target.substr(q + 1);
    req->authorization = std::string(msg[http::field::authorization]);
    req->content_type = std::string(msg[http::field::content_type]);
    req->if_none_match = std::string(msg[http::field::if_none_match]);
    auto idem = msg.find("Idempotency-Key");
    if (idem != msg.end()) {
      req->has_idempotency_key = true;
      req->idempotency_key = std::string(idem->value());
    }
    const std::string tp(msg["traceparent"]);
    if (IsValidTraceparent(tp)) req->traceparent = tp;
    req->correlation_id = ResolveCorrelationId(msg["X-Correlation-Id"], tp);
    req->body = std::move(msg.body());
    req->remote = remote_;
    shared_->in_flight++;
    auto self = shared_from_this();
    const std::string corr = req->correlation_id;
    auto replied = std::make_shared<std::atomic<bool>>(false);
    auto reply = [self, req, corr, version, replied](Response resp) {
      if (replied->exchange(true)) return;
      bool has_corr = false;
      for (const auto& [k, v] : resp.headers) has_corr |= IEquals(k, "X-Correlation-Id");
      if (!has_corr) resp.headers.emplace_back("X-Correlation-Id", corr);
      net::post(self->stream_.get_executor(), [self, resp = std::move(resp), version]() mutable {
        self->Write(std::move(resp), version);
        self->shared_->in_flight--;
      });
    };
    try {
      shared_->handler->Handle(*req, reply);
    } catch (const std::exception& e) {
      // A handler bug for this request is a 500 for this request, not the end of the hub.
      reply(Problem(500, "internal-error", "Internal error",
                    std::string("the request could not be handled: ") + e.what(), req.get()));
    }
  }

  void Write(Response resp, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(resp.status), version);
    res->set(http::field::server, "crossdock");
    if (!resp.body.empty() || resp.status != 204) {
      res->set(http::field::content_type, resp.content_type);
    }
    for (auto& [k, v] : resp.headers) res->set(k, v);
    res->body() = std::move(resp.body);
    if (shared_->stopping) keep_alive_ = false;
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    res_ = res;
    stream_.expires_after(std::chrono::seconds(shared_->opts.idle_timeout_seconds));
    http::async_write(stream_, *res_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    res_.reset();
    if (ec || !keep_alive_) return Close();
    ReadHeader();
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<Shared> shared_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::shared_ptr<http::response<http::string_body>> res_;
  std::string remote_;
  bool keep_alive_ = true;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, std::shared_ptr<Shared> shared)
      : ioc_(ioc), acceptor_(net::make_strand(ioc)), shared_(std::move(shared)) {}

  beast::error_code Open(const tcp::endpoint& ep) {
    beast::error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (ec) return ec;
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (ec) return ec;
    acceptor_.bind(ep, ec);
    if (ec) return ec;
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    return ec;
  }

  uint16_t port() const {
    beast::error_code ec;
    return acceptor_.local_endpoint(ec).port();
  }

  void Run() { Accept(); }

  void Stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }
  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) std::make_shared<Session>(std::move(socket), shared_)->Run();
    Accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace

struct Server::Impl {
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
  std::unique_ptr<net::io_context> ioc;
  std::shared_ptr<Listener> listener;
  std::vector<std::thread> threads;
  uint16_t port = 0;
};

Server::Server(ServerOptions options, Handler& handler) : impl_(std::make_unique<Impl>()) {
  impl_->shared->opts = std::move(options);
  impl_->shared->handler = &handler;
}

Server::~Server() { Stop(Millis(0)); }

Status Server::Start() {
  const auto& o = impl_->shared->opts;
  impl_->ioc = std::make_unique<net::io_context>(o.threads);
  beast::error_code ec;
  const auto addr = net::ip::make_address(o.host, ec);
  if (ec) return Error(Code::kConfig, "cannot listen on '" + o.host + "': not an IP address");
  impl_->listener = std::make_shared<Listener>(*impl_->ioc, impl_->shared);
  ec = impl_->listener->Open(tcp::endpoint(addr, o.port));
  if (ec) {
    return Error(Code::kUnavailable,
                 "cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + ec.message());
  }
  impl_->port = impl_->listener->port();
  impl_->listener->Run();
  for (int i = 0; i < std::max(1, o.threads); ++i) {
    impl_->threads.emplace_back([ioc = impl_->ioc.get()] { ioc->run(); });
  }
  return Status::Ok();
}

uint16_t Server::port() const { return impl_->port; }

void Server::Stop(Millis grace) {
  if (!impl_->ioc) return;
  impl_->shared->stopping = true;
  if (impl_->listener) impl_->listener->Stop();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (impl_->shared->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Let the last responses reach their sockets.
  std::this_thread::sleep_for(std::chrono::milliseconds(grace.count() > 0 ? 20 : 0));
  impl_->ioc->stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  impl_->threads.clear();
  impl_->listener.reset();
  impl_->ioc.reset();
}

}  // namespace crossdock::api
