#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "api/auth.hpp"
#include "api/http.hpp"
#include "api/routes.hpp"
#include "core/crypto.hpp"
#include "obs/metrics.hpp"

namespace crossdock::api {
namespace {

TEST(Http, CorrelationIdResolution) {
  EXPECT_EQ(ResolveCorrelationId("order-1", ""), "order-1");
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  EXPECT_EQ(ResolveCorrelationId("", tp), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ResolveCorrelationId("bad value with spaces", tp), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ResolveCorrelationId("", "garbage").size(), 36u);
  EXPECT_FALSE(IsValidTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(IsValidTraceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

// One HTTP/1.1 request over a fresh connection; the raw response.
std::string RawGet(uint16_t port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "";
  }
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  (void)!::write(fd, req.data(), req.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

TEST(Http, AHandlerThatThrowsAnswers500AndTheServerGoesOn) {
  class Throwing : public Handler {
   public:
    void Handle(Request& req, Reply reply) override {
      if (req.path == "/boom") throw std::runtime_error("invalid UTF-8 byte");
      reply(Response::Json(200, "{}"));
    }
  } handler;
  ServerOptions o;
  o.port = 0;
  Server server(o, handler);
  ASSERT_TRUE(server.Start().ok());
  const std::string boom = RawGet(server.port(), "/boom");
  EXPECT_NE(boom.find("HTTP/1.1 500"), std::string::npos) << boom;
  EXPECT_NE(boom.find("urn:crossdock:problem:internal-error"), std::string::npos) << boom;
  EXPECT_NE(boom.find("invalid UTF-8 byte"), std::string::npos) << boom;
  EXPECT_NE(RawGet(server.port(), "/ok").find("HTTP/1.1 200"), std::string::npos);
  server.Stop(Millis(1000));
}

TEST(Http, ListenParsing) {
  auto a = ParseListen("127.0.0.1:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->first, "127.0.0.1");
  EXPECT_EQ(a->second, 8080);
  auto b = ParseListen("[::1]:9");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->first, "::1");
  EXPECT_FALSE(ParseListen("localhost").ok());
  EXPECT_FALSE(ParseListen("h:99999").ok());
  EXPECT_FALSE(ParseListen("h:8o").ok());
}

TEST(Http, QueryParameters) {
  Request r;
  r.query = "a=1&correlation_id=x%20y&flag&b=";
  EXPECT_EQ(r.Query("a"), "1");
  EXPECT_EQ(r.Query("correlation_id"), "x y");
  EXPECT_EQ(r.Query("flag"), "");
  EXPECT_EQ(r.Query("missing"), "");
}

TEST(Http, ProblemDetailsShape) {
  Request r;
  r.path = "/v1/inbound/x";
  r.correlation_id = "c1";
  Response p = Problem(415, "unsupported-media-type", "Unsupported", "detail \"quoted\"", &r);
  EXPECT_EQ(p.status, 415);
  EXPECT_EQ(p.content_type, "application/problem+json");
  EXPECT_EQ(p.body,
            "{\"type\":\"urn:crossdock:problem:unsupported-media-type\",\"title\":\"Unsupported\","
            "\"status\":415,\"detail\":\"detail \\\"quoted\\\"\",\"instance\":\"/v1/inbound/x\","
            "\"correlation_id\":\"c1\"}");
}

TEST(Http, ContentTypeToFormat) {
  EXPECT_EQ(FormatForContentType("application/EDI-X12"), "x12");
  EXPECT_EQ(FormatForContentType("application/json; charset=utf-8"), "json");
  EXPECT_EQ(FormatForContentType("application/vnd.acme+json"), "json");
  EXPECT_EQ(FormatForContentType("text/csv"), "csv");
  EXPECT_EQ(FormatForContentType("application/xml"), "");
  EXPECT_EQ(FormatForContentType(""), "");
}

TEST(Auth, TokensByHashRolesAndPartners) {
  config::Token t{"acme", Sha256Hex("secret-a"), config::Role::kPartner, "acme"};
  Authenticator a({t}, "boot");
  auto p = a.Authenticate("Bearer secret-a");
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->ActsFor("acme"));
  EXPECT_FALSE(p->ActsFor("globex"));
  EXPECT_FALSE(p->CanAct());
  auto boot = a.Authenticate("bearer   boot ");
  ASSERT_TRUE(boot.has_value());
  EXPECT_EQ(boot->role, config::Role::kAdmin);
  EXPECT_TRUE(boot->ActsFor("anyone"));
  EXPECT_FALSE(a.Authenticate("Basic c2VjcmV0LWE=").has_value());
  EXPECT_FALSE(a.Authenticate("Bearer ").has_value());
  EXPECT_FALSE(a.Authenticate("Bearer wrong").has_value());
}

TEST(Metrics, PrometheusTextAndQuantiles) {
  obs::Registry r;
  r.GetCounter("x_total", "X things", {{"partner", "a\"b"}}).Inc(3);
  auto& h = r.GetHistogram("lat_seconds", "Latency", {}, {0.001, 0.01, 0.1});
  for (int i = 0; i < 90; ++i) h.Observe(0.0005);
  for (int i = 0; i < 10; ++i) h.Observe(0.05);
  const std::string text = r.RenderPrometheus();
  EXPECT_NE(text.find("# TYPE x_total counter"), std::string::npos);
  EXPECT_NE(text.find("x_total{partner=\"a\\\"b\"} 3"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.001\"} 90"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 100"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_count 100"), std::string::npos);
  EXPECT_LE(h.Quantile(0.5), 0.001);
  EXPECT_GT(h.Quantile(0.95), 0.01);
}

}  // namespace
}  // namespace crossdock::api
