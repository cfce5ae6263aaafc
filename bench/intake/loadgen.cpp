// bench_loadgen: a small HTTP/1.1 load generator for the intake benchmark.
//
// N keep-alive connections, each sending one request at a time (no pipelining), spread over a
// few epoll threads. POST mode sends a body of exactly --body-size bytes of JSON whose content
// differs per request (run id, connection and sequence number are embedded) with a unique
// Idempotency-Key; GET mode sends plain GETs. With --url-template the request path differs per
// request: every {rand:N} in it becomes a uniform random integer in [1, N] ({rand:N:W} zero-pads
// it to W digits), from a per-connection generator seeded by --seed. With --body-file the POST
// body is a template instead: {uniq} becomes the request's unique id (the same string as its
// Idempotency-Key: <run id>-<connection>-<sequence>) and {rand:N[:W]} as in the URL, so every
// request can carry a distinct business document (bench/orders). Latency of every measured
// request goes into a log-linear histogram (< 0.8% bucket error). A human summary goes to stderr
// and one JSON line to stdout.
//
// Measured requests are those issued at or after the end of the warm-up and, in duration mode,
// completed before the end of the run; in --requests mode the first N requests issued after the
// warm-up. Any response other than 2xx, any I/O error and any timeout is an error.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Log-linear histogram of nanosecond values: exact below 256 ns, then 128 sub-buckets per
// power of two.
class Histogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr size_t kBuckets = (64 - kSubBits + 1) * (1u << kSubBits);

  Histogram() : counts_(kBuckets, 0) {}

  void Record(uint64_t v) {
    ++counts_[Index(v)];
    ++total_;
    sum_ += v;
    max_ = std::max(max_, v);
    min_ = std::min(min_, v);
  }

  void Merge(const Histogram& o) {
    for (size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    sum_ += o.sum_;
    max_ = std::max(max_, o.max_);
    min_ = std::min(min_, o.min_);
  }

  // The upper bound of the bucket holding the q-quantile (0 < q <= 1).
  uint64_t Quantile(double q) const {
    if (total_ == 0) return 0;
    const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(q * total_ + 0.999999));
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(UpperBound(i), max_);
    }
    return max_;
  }

  uint64_t total() const { return total_; }
  uint64_t max() const { return max_; }
  uint64_t min() const { return total_ ? min_ : 0; }
  double mean() const { return total_ ? static_cast<double>(sum_) / total_ : 0.0; }

 private:
  static size_t Index(uint64_t v) {
    if (v < (2u << kSubBits)) return static_cast<size_t>(v);
    const int msb = 63 - __builtin_clzll(v);
    const int shift = msb - kSubBits;
    const uint64_t sub = v >> shift;  // in [128, 256)
    return static_cast<size_t>(shift + 1) * (1u << kSubBits) + (sub - (1u << kSubBits));
  }
  static uint64_t UpperBound(size_t i) {
    if (i < (2u << kSubBits)) return i;
    const size_t shift = i / (1u << kSubBits) - 1;
    const uint64_t sub = i % (1u << kSubBits) + (1u << kSubBits);
    return ((sub + 1) << shift) - 1;
  }

  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/";
  std::string method = "GET";
  std::vector<std::string> headers;
  int connections = 64;
  int threads = 1;
  double duration_s = 10;
  double warmup_s = 2;
  uint64_t requests = 0;  // 0: duration mode
  int body_size = 1024;
  bool idempotency = true;
  std::string run_id;
  std::string label;
  double timeout_s = 10;
  bool templated = false;  // path holds {rand:N} placeholders (--url-template)
  uint64_t seed = 1;
  std::string body_template;  // --body-file: {uniq} and {rand:N[:W]} placeholders
  bool body_templated = false;
};

struct Counters {
  std::map<int, uint64_t> status;  // measured responses by status
  uint64_t io_errors = 0;
  uint64_t timeouts = 0;
  uint64_t reconnects = 0;
  uint64_t warmup_requests = 0;
  uint64_t warmup_errors = 0;  // non-2xx, I/O errors and timeouts outside the measured window
  uint64_t bytes_out = 0;
  uint64_t bytes_in = 0;
  uint64_t last_done_ns = 0;
};

// Fixed-width decimal written in place (the request templates keep their length).
void PutDigits(char* p, int width, uint64_t v) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

constexpr int kConnDigits = 5;
constexpr int kSeqDigits = 12;

// One request template per connection; the sequence number (and for POST the idempotency key)
// is patched in place for every request.
struct RequestTemplate {
  std::string bytes;
  std::vector<size_t> seq_offsets;  // where kSeqDigits digits go
};

// `fixed_body` set (--body-file, expanded): sent as is instead of the generated body.
RequestTemplate BuildTemplate(const Options& o, int conn, const std::string& path,
                              const std::string* fixed_body = nullptr) {
  RequestTemplate t;
  const std::string seq_placeholder(kSeqDigits, '0');
  char conn_str[16];
  std::snprintf(conn_str, sizeof(conn_str), "%0*d", kConnDigits, conn);
  std::string head = o.method + " " + path + " HTTP/1.1\r\nHost: " + o.host + ":" +
                     std::to_string(o.port) + "\r\n";
  for (const auto& h : o.headers) head += h + "\r\n";
  const bool post = o.method == "POST" || o.method == "PUT";
  std::string body;
  std::vector<size_t> body_offsets;
  if (post && fixed_body) {
    body = *fixed_body;
  } else if (post) {
    // {"run":"<id>","conn":"<n>","seq":"<n>","pad":"..."} of exactly body_size bytes.
    body = "{\"run\":\"" + o.run_id + "\",\"conn\":\"" + conn_str + "\",\"seq\":\"";
    body_offsets.push_back(body.size());
    body += seq_placeholder + "\",\"pad\":\"";
    const std::string tail = "\"}";
    const size_t want = static_cast<size_t>(std::max(o.body_size, 0));
    if (body.size() + tail.size() < want) {
      const size_t pad = want - body.size() - tail.size();
      for (size_t i = 0; i < pad; ++i) body.push_back(static_cast<char>('a' + i % 26));
    }
    body += tail;
  }
  if (post) {
    if (o.idempotency) {
      head += "Idempotency-Key: " + o.run_id + "-" + conn_str + "-";
      t.seq_offsets.push_back(head.size());
      head += seq_placeholder + "\r\n";
    }
    head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  head += "\r\n";
  for (size_t off : body_offsets) t.seq_offsets.push_back(head.size() + off);
  t.bytes = head + body;
  return t;
}

// A --url-template path (or --body-file body) split into literal text, {rand:N[:W]} and {uniq}
// placeholders.
struct PathPiece {
  std::string text;   // literal (when max == 0 and !uniq)
  uint64_t max = 0;   // placeholder: uniform in [1, max]
  int width = 0;      // zero-pad to this many digits
  bool uniq = false;  // placeholder: the request's unique id
};

bool ParsePathTemplate(const std::string& path, std::vector<PathPiece>* out, std::string* err) {
  size_t pos = 0;
  while (pos < path.size()) {
    const size_t open = path.find("{rand:", pos);
    const size_t uniq = path.find("{uniq}", pos);
    if (uniq != std::string::npos && (open == std::string::npos || uniq < open)) {
      if (uniq > pos) out->push_back({path.substr(pos, uniq - pos), 0, 0});
      PathPiece u;
      u.uniq = true;
      out->push_back(u);
      pos = uniq + 6;
      continue;
    }
    if (open == std::string::npos) {
      out->push_back({path.substr(pos), 0, 0});
      break;
    }
    if (open > pos) out->push_back({path.substr(pos, open - pos), 0, 0});
    const size_t close = path.find('}', open);
    if (close == std::string::npos) {
      *err = "unterminated {rand:...} in the URL template";
      return false;
    }
    const std::string spec = path.substr(open + 6, close - open - 6);  // N or N:W
    const size_t colon = spec.find(':');
    char* end = nullptr;
    const std::string n = spec.substr(0, colon);
    const uint64_t max = std::strtoull(n.c_str(), &end, 10);
    if (n.empty() || *end != '\0' || max == 0) {
      *err = "bad placeholder {rand:" + spec + "} (want {rand:N} or {rand:N:W}, N >= 1)";
      return false;
    }
    int width = 0;
    if (colon != std::string::npos) {
      const std::string w = spec.substr(colon + 1);
      width = std::atoi(w.c_str());
      if (w.empty() || width < 1 || width > 20) {
        *err = "bad width in {rand:" + spec + "}";
        return false;
      }
    }
    out->push_back({"", max, width});
    pos = close + 1;
  }
  return true;
}

// xorshift64*: cheap per-connection randomness for templated paths.
uint64_t NextRandom(uint64_t* state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

std::string ExpandPath(const std::vector<PathPiece>& pieces, uint64_t* rng,
                       const std::string& uniq = {}) {
  std::string out;
  out.reserve(128);
  char digits[32];
  for (const auto& p : pieces) {
    if (p.uniq) {
      out += uniq;
      continue;
    }
    if (p.max == 0) {
      out += p.text;
      continue;
    }
    const uint64_t v = 1 + NextRandom(rng) % p.max;
    const int n = std::snprintf(digits, sizeof(digits), "%0*" PRIu64, p.width, v);
    out.append(digits, static_cast<size_t>(n));
  }
  return out;
}

bool IEqualsPrefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != prefix[i]) return false;
  }
  return true;
}

bool Contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

// Response parse result: -1 error, 0 need more, 1 complete.
struct ParseOut {
  int status = 0;
  size_t consumed = 0;
  bool close = false;
};

// Parses one response from buf (HTTP/1.1, Content-Length or chunked).
int ParseResponse(std::string_view buf, ParseOut* out) {
  const size_t hend = buf.find("\r\n\r\n");
  if (hend == std::string_view::npos) return buf.size() > 64 * 1024 ? -1 : 0;
  const std::string_view head = buf.substr(0, hend + 2);
  if (head.size() < 12 || !IEqualsPrefix(head, "http/1.")) return -1;
  int status = 0;
  for (int i = 9; i < 12; ++i) {
    if (head[i] < '0' || head[i] > '9') return -1;
    status = status * 10 + (head[i] - '0');
  }
  int64_t content_length = -1;
  bool chunked = false;
  bool close = IEqualsPrefix(head, "http/1.0");
  size_t pos = head.find("\r\n") + 2;
  while (pos < head.size()) {
    const size_t eol = head.find("\r\n", pos);
    const std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (IEqualsPrefix(line, "content-length:")) {
      content_length = 0;
      for (char c : line.substr(15)) {
        if (c >= '0' && c <= '9') content_length = content_length * 10 + (c - '0');
      }
    } else if (IEqualsPrefix(line, "transfer-encoding:")) {
      std::string v(line.substr(18));
      for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      chunked = Contains(v, "chunked");
    } else if (IEqualsPrefix(line, "connection:")) {
      std::string v(line.substr(11));
      for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (Contains(v, "close")) close = true;
      if (Contains(v, "keep-alive")) close = false;
    }
  }
  size_t body_start = hend + 4;
  if (status == 204 || status == 304 || (status >= 100 && status < 200)) content_length = 0;
  if (chunked) {
    size_t p = body_start;
    while (true) {
      const size_t eol = buf.find("\r\n", p);
      if (eol == std::string_view::npos) return 0;
      uint64_t n = 0;
      size_t i = p;
      for (; i < eol; ++i) {
        const char c = buf[i];
        int d;
        if (c >= '0' && c <= '9') {
          d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
          d = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
          d = c - 'A' + 10;
        } else {
          break;  // chunk extension
        }
        n = n * 16 + static_cast<uint64_t>(d);
      }
      if (i == p) return -1;
      p = eol + 2;
      if (n == 0) {
        // Trailers end with an empty line.
        const size_t tend = buf.find("\r\n", p);
        if (tend == std::string_view::npos) return 0;
        if (tend == p) {
          out->consumed = p + 2;
        } else {
          const size_t t2 = buf.find("\r\n\r\n", p);
          if (t2 == std::string_view::npos) return 0;
          out->consumed = t2 + 4;
        }
        break;
      }
      if (buf.size() < p + n + 2) return 0;
      p += n + 2;
    }
  } else if (content_length >= 0) {
    if (buf.size() < body_start + static_cast<size_t>(content_length)) return 0;
    out->consumed = body_start + static_cast<size_t>(content_length);
  } else {
    return -1;  // read-until-close bodies are not supported
  }
  out->status = status;
  out->close = close;
  return 1;
}

struct Shared {
  Options opts;
  std::vector<PathPiece> path_pieces;  // --url-template
  std::vector<PathPiece> body_pieces;  // --body-file
  sockaddr_in addr{};
  uint64_t t_start = 0;    // warm-up starts
  uint64_t t_measure = 0;  // measured window starts
  uint64_t t_end = 0;      // duration mode: no new requests after this
  std::atomic<uint64_t> measured_issued{0};
  std::atomic<bool> fatal{false};
};

struct Conn {
  int fd = -1;
  int id = 0;
  RequestTemplate tmpl;
  uint64_t seq = 0;
  size_t out_off = 0;
  std::string in;
  uint64_t sent_ns = 0;
  bool busy = false;      // a request is outstanding
  bool measured = false;  // the outstanding request counts
  uint64_t rng = 0;       // --url-template
};

class Worker {
 public:
  Worker(Shared* s, std::vector<int> ids) : s_(s) {
    for (int id : ids) {
      Conn c;
      c.id = id;
      c.tmpl = BuildTemplate(s->opts, id, s->opts.path);
      c.rng = 0x9E3779B97F4A7C15ull * (s->opts.seed + static_cast<uint64_t>(id) * 7919 + 1) | 1;
      c.in.reserve(16 * 1024);
      conns_.push_back(std::move(c));
    }
  }

  bool Connect(Conn& c) {
    if (c.fd >= 0) {
      epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
      ::close(c.fd);
      c.fd = -1;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&s_->addr), sizeof(s_->addr)) != 0) {
      ::close(fd);
      return false;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    c.fd = fd;
    c.in.clear();
    c.busy = false;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
    return true;
  }

  void Run() {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    for (auto& c : conns_) {
      if (!Connect(c)) {
        std::fprintf(stderr, "bench_loadgen: cannot connect to %s:%d: %s\n", s_->opts.host.c_str(),
                     s_->opts.port, std::strerror(errno));
        s_->fatal = true;
        return;
      }
    }
    for (auto& c : conns_) Issue(c, NowNs());
    std::vector<epoll_event> events(conns_.size() + 1);
    const uint64_t timeout_ns = static_cast<uint64_t>(s_->opts.timeout_s * 1e9);
    uint64_t drain_deadline = 0;
    while (true) {
      int busy = 0;
      for (auto& c : conns_) busy += c.busy ? 1 : 0;
      const uint64_t now = NowNs();
      if (busy == 0) break;
      if (stopping_) {
        if (drain_deadline == 0) drain_deadline = now + 2'000'000'000ull;
        if (now > drain_deadline) break;  // leftovers are outside the window anyway
      }
      const int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 50);
      if (n < 0 && errno != EINTR) break;
      for (int i = 0; i < n; ++i) OnReadable(*static_cast<Conn*>(events[i].data.ptr));
      const uint64_t t = NowNs();
      if (t - last_scan_ > 100'000'000ull) {
        last_scan_ = t;
        for (auto& c : conns_) {
          if (c.busy && t - c.sent_ns > timeout_ns) {
            Fail(c, /*timeout=*/true);
          }
        }
      }
    }
    for (auto& c : conns_) {
      if (c.fd >= 0) ::close(c.fd);
    }
    ::close(ep_);
  }

  Counters& counters() { return k_; }
  Histogram& hist() { return h_; }

 private:
  // Decides whether another request may start and sends it.
  void Issue(Conn& c, uint64_t now) {
    const Options& o = s_->opts;
    bool measured = now >= s_->t_measure;
    if (o.requests > 0) {
      if (measured) {
        const uint64_t n = s_->measured_issued.fetch_add(1, std::memory_order_relaxed);
        if (n >= o.requests) {
          stopping_ = true;
          return;
        }
      }
    } else if (now >= s_->t_end) {
      stopping_ = true;
      return;
    }
    ++c.seq;
    if (o.templated || o.body_templated) {
      char b[64];
      std::snprintf(b, sizeof(b), "-%0*d-%0*" PRIu64, kConnDigits, c.id, kSeqDigits, c.seq);
      const std::string uniq = o.run_id + b;
      const std::string path = o.templated ? ExpandPath(s_->path_pieces, &c.rng, uniq) : o.path;
      if (o.body_templated) {
        const std::string body = ExpandPath(s_->body_pieces, &c.rng, uniq);
        c.tmpl = BuildTemplate(o, c.id, path, &body);
      } else {
        c.tmpl = BuildTemplate(o, c.id, path);
      }
    }
    for (size_t off : c.tmpl.seq_offsets) PutDigits(&c.tmpl.bytes[off], kSeqDigits, c.seq);
    c.busy = true;
    c.measured = measured;
    c.sent_ns = now;
    c.out_off = 0;
    Write(c);
  }

  void Write(Conn& c) {
    // The request is small; a partial write is retried with a short blocking poll via epoll.
    while (c.out_off < c.tmpl.bytes.size()) {
      const ssize_t w = ::send(c.fd, c.tmpl.bytes.data() + c.out_off,
                               c.tmpl.bytes.size() - c.out_off, MSG_NOSIGNAL);
      if (w > 0) {
        c.out_off += static_cast<size_t>(w);
        k_.bytes_out += static_cast<uint64_t>(w);
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT;
        ev.data.ptr = &c;
        epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
        return;
      }
      Fail(c, false);
      return;
    }
  }

  void OnReadable(Conn& c) {
    if (c.fd < 0) return;
    if (c.out_off < c.tmpl.bytes.size() && c.busy) {
      Write(c);
      if (c.out_off == c.tmpl.bytes.size()) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = &c;
        epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
      }
    }
    char buf[16384];
    const ssize_t r = ::recv(c.fd, buf, sizeof(buf), 0);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (r <= 0) {
      if (c.busy) {
        Fail(c, false);
      } else {
        Reconnect(c);
      }
      return;
    }
    k_.bytes_in += static_cast<uint64_t>(r);
    if (!c.busy) {
      // Unsolicited bytes: the server is confused; start afresh.
      Fail(c, false);
      return;
    }
    c.in.append(buf, static_cast<size_t>(r));
    ParseOut po;
    const int rc = ParseResponse(c.in, &po);
    if (rc == 0) return;
    if (rc < 0) {
      Fail(c, false);
      return;
    }
    const uint64_t now = NowNs();
    c.in.erase(0, po.consumed);
    c.busy = false;
    const bool ok = po.status >= 200 && po.status < 300;
    if (Counts(c, now)) {
      k_.status[po.status]++;
      h_.Record(now - c.sent_ns);
      k_.last_done_ns = std::max(k_.last_done_ns, now);
    } else {
      k_.warmup_requests++;
      if (!ok) k_.warmup_errors++;
    }
    if (po.close) {
      if (!Reconnect(c)) return;
    }
    if (!stopping_) Issue(c, now);
  }

  bool Counts(const Conn& c, uint64_t now) const {
    if (!c.measured) return false;
    if (s_->opts.requests > 0) return true;
    return now <= s_->t_end;
  }

  bool Reconnect(Conn& c) {
    k_.reconnects++;
    if (!Connect(c)) {
      s_->fatal = true;
      stopping_ = true;
      return false;
    }
    return true;
  }

  void Fail(Conn& c, bool timeout) {
    const uint64_t now = NowNs();
    if (c.busy && Counts(c, now)) {
      if (timeout) {
        k_.timeouts++;
      } else {
        k_.io_errors++;
      }
    } else if (c.busy) {
      k_.warmup_errors++;
    }
    c.busy = false;
    if (!Reconnect(c)) return;
    if (!stopping_) Issue(c, now);
  }

  Shared* s_;
  std::vector<Conn> conns_;
  int ep_ = -1;
  bool stopping_ = false;
  uint64_t last_scan_ = 0;
  Counters k_;
  Histogram h_;
};

void Usage(FILE* f) {
  std::fprintf(f,
               "usage: bench_loadgen --url http://HOST:PORT/PATH [options]\n"
               "   or: bench_loadgen --url-template 'http://HOST:PORT/PATH?x={rand:N[:W]}' ...\n"
               "  --url-template URL       a new path per request: {rand:N} -> 1..N, {rand:N:W}\n"
               "                           zero-padded to W digits\n"
               "  --seed N                 seed of the --url-template randomness (default 1)\n"
               "  --method GET|POST        request method (default GET)\n"
               "  -H, --header 'K: V'      extra request header (repeatable)\n"
               "  -c, --connections N      keep-alive connections (default 64)\n"
               "  -t, --threads N          epoll threads (default 1)\n"
               "  -d, --duration SEC       measured duration (default 10)\n"
               "  -w, --warmup SEC         warm-up before measuring (default 2)\n"
               "  -n, --requests N         measure exactly N requests instead of a duration\n"
               "  --body-size BYTES        POST body size (default 1024)\n"
               "  --body-file PATH         POST this body template instead: {uniq} -> the\n"
               "                           request's unique id (= its Idempotency-Key),\n"
               "                           {rand:N[:W]} as in --url-template\n"
               "  --no-idempotency-key     POST without an Idempotency-Key header\n"
               "  --run-id ID              prefix making bodies and keys unique (default random)\n"
               "  --label TEXT             copied into the JSON line\n"
               "  --timeout SEC            per-request timeout (default 10)\n"
               "Prints a summary to stderr and one JSON line to stdout. Exit status 0 when every\n"
               "measured request got a 2xx, 1 when some did not, 2 on usage or connect errors.\n");
}

bool ParseUrl(const std::string& url, Options* o) {
  const std::string_view pre = "http://";
  if (url.compare(0, pre.size(), pre) != 0) return false;
  const std::string rest = url.substr(pre.size());
  const size_t slash = rest.find('/');
  const std::string hostport = rest.substr(0, slash);
  o->path = slash == std::string::npos ? "/" : rest.substr(slash);
  const size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) {
    o->host = hostport;
    o->port = 80;
  } else {
    o->host = hostport.substr(0, colon);
    o->port = std::atoi(hostport.c_str() + colon + 1);
  }
  return !o->host.empty() && o->port > 0 && o->port < 65536;
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof(b), "\\u%04x", c);
      out += b;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string url;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_loadgen: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--url") {
      url = next("--url");
    } else if (a == "--url-template") {
      url = next("--url-template");
      o.templated = true;
    } else if (a == "--seed") {
      o.seed = std::strtoull(next("--seed"), nullptr, 10);
    } else if (a == "--method") {
      o.method = next("--method");
    } else if (a == "-H" || a == "--header") {
      o.headers.emplace_back(next("--header"));
    } else if (a == "-c" || a == "--connections") {
      o.connections = std::atoi(next("--connections"));
    } else if (a == "-t" || a == "--threads") {
      o.threads = std::atoi(next("--threads"));
    } else if (a == "-d" || a == "--duration") {
      o.duration_s = std::atof(next("--duration"));
    } else if (a == "-w" || a == "--warmup") {
      o.warmup_s = std::atof(next("--warmup"));
    } else if (a == "-n" || a == "--requests") {
      o.requests = std::strtoull(next("--requests"), nullptr, 10);
    } else if (a == "--body-size") {
      o.body_size = std::atoi(next("--body-size"));
    } else if (a == "--body-file") {
      const char* file = next("--body-file");
      FILE* f = std::fopen(file, "rb");
      if (!f) {
        std::fprintf(stderr, "bench_loadgen: cannot read %s: %s\n", file, std::strerror(errno));
        return 2;
      }
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) o.body_template.append(buf, n);
      std::fclose(f);
      while (!o.body_template.empty() &&
             (o.body_template.back() == '\n' || o.body_template.back() == '\r')) {
        o.body_template.pop_back();
      }
      o.body_templated = true;
    } else if (a == "--no-idempotency-key") {
      o.idempotency = false;
    } else if (a == "--run-id") {
      o.run_id = next("--run-id");
    } else if (a == "--label") {
      o.label = next("--label");
    } else if (a == "--timeout") {
      o.timeout_s = std::atof(next("--timeout"));
    } else if (a == "-h" || a == "--help") {
      Usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "bench_loadgen: unknown argument '%s'\n", a.c_str());
      Usage(stderr);
      return 2;
    }
  }
  if (url.empty() || !ParseUrl(url, &o)) {
    std::fprintf(stderr, "bench_loadgen: --url http://HOST:PORT/PATH is required\n");
    return 2;
  }
  std::vector<PathPiece> pieces;
  if (o.templated) {
    std::string err;
    if (!ParsePathTemplate(o.path, &pieces, &err)) {
      std::fprintf(stderr, "bench_loadgen: %s\n", err.c_str());
      return 2;
    }
  }
  std::vector<PathPiece> body_pieces;
  if (o.body_templated) {
    std::string err;
    if (!ParsePathTemplate(o.body_template, &body_pieces, &err)) {
      std::fprintf(stderr, "bench_loadgen: --body-file: %s\n", err.c_str());
      return 2;
    }
    o.body_size = static_cast<int>(o.body_template.size());  // reported: the template's size
  }
  if (o.connections < 1 || o.threads < 1 || o.duration_s <= 0 || o.warmup_s < 0 ||
      o.body_size < 0 || o.timeout_s <= 0) {
    std::fprintf(stderr,
                 "bench_loadgen: connections, threads, duration and timeout must be "
                 "positive\n");
    return 2;
  }
  for (auto& m : o.method) m = static_cast<char>(std::toupper(static_cast<unsigned char>(m)));
  o.threads = std::min(o.threads, o.connections);
  if (o.run_id.empty()) {
    char b[32];
    std::snprintf(b, sizeof(b), "%08" PRIx64 "%04x", static_cast<uint64_t>(NowNs() & 0xffffffffu),
                  static_cast<unsigned>(getpid()) & 0xffffu);
    o.run_id = b;
  }

  Shared s;
  s.opts = o;
  s.path_pieces = std::move(pieces);
  s.body_pieces = std::move(body_pieces);
  s.addr.sin_family = AF_INET;
  s.addr.sin_port = htons(static_cast<uint16_t>(o.port));
  if (inet_pton(AF_INET, o.host.c_str(), &s.addr.sin_addr) != 1) {
    std::fprintf(stderr, "bench_loadgen: host must be an IPv4 address, got '%s'\n", o.host.c_str());
    return 2;
  }

  std::vector<std::vector<int>> ids(static_cast<size_t>(o.threads));
  for (int c = 0; c < o.connections; ++c) ids[static_cast<size_t>(c % o.threads)].push_back(c);
  std::vector<std::unique_ptr<Worker>> workers;
  for (auto& v : ids) workers.push_back(std::make_unique<Worker>(&s, v));

  s.t_start = NowNs();
  s.t_measure = s.t_start + static_cast<uint64_t>(o.warmup_s * 1e9);
  s.t_end = s.t_measure + static_cast<uint64_t>(o.duration_s * 1e9);
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->Run(); });
  for (auto& t : threads) t.join();
  if (s.fatal) {
    std::fprintf(stderr, "bench_loadgen: aborted (could not connect)\n");
    return 2;
  }

  Counters k;
  Histogram h;
  for (auto& w : workers) {
    const Counters& c = w->counters();
    for (const auto& [st, n] : c.status) k.status[st] += n;
    k.io_errors += c.io_errors;
    k.timeouts += c.timeouts;
    k.reconnects += c.reconnects;
    k.warmup_requests += c.warmup_requests;
    k.warmup_errors += c.warmup_errors;
    k.bytes_out += c.bytes_out;
    k.bytes_in += c.bytes_in;
    k.last_done_ns = std::max(k.last_done_ns, c.last_done_ns);
    h.Merge(w->hist());
  }
  const uint64_t window_end = o.requests > 0 ? k.last_done_ns : s.t_end;
  const double seconds =
      window_end > s.t_measure ? static_cast<double>(window_end - s.t_measure) / 1e9 : 0;
  uint64_t ok = 0, non2xx = 0;
  for (const auto& [st, n] : k.status) (st >= 200 && st < 300 ? ok : non2xx) += n;
  const uint64_t errors = non2xx + k.io_errors + k.timeouts;
  const double rps = seconds > 0 ? static_cast<double>(h.total()) / seconds : 0;
  const double ok_rps = seconds > 0 ? static_cast<double>(ok) / seconds : 0;
  auto us = [](uint64_t ns) { return static_cast<double>(ns) / 1000.0; };

  std::string status_json, status_text;
  for (const auto& [st, n] : k.status) {
    if (!status_json.empty()) status_json += ",";
    status_json += "\"" + std::to_string(st) + "\":" + std::to_string(n);
    status_text += " " + std::to_string(st) + "=" + std::to_string(n);
  }
  std::fprintf(stderr,
               "%s %s:%d%s  c=%d t=%d  %.2fs measured (after %.1fs warm-up)\n"
               "  requests %" PRIu64
               "  %.0f req/s  (2xx %.0f/s)\n"
               "  latency  p50 %.0fus  p90 %.0fus  p99 %.0fus  p99.9 %.0fus  max %.0fus  "
               "mean %.0fus\n"
               "  status  %s   errors %" PRIu64 " (non-2xx %" PRIu64 ", io %" PRIu64
               ", timeouts %" PRIu64 ")  reconnects %" PRIu64 "\n",
               o.method.c_str(), o.host.c_str(), o.port, o.path.c_str(), o.connections, o.threads,
               seconds, o.warmup_s, h.total(), rps, ok_rps, us(h.Quantile(0.5)),
               us(h.Quantile(0.9)), us(h.Quantile(0.99)), us(h.Quantile(0.999)), us(h.max()),
               h.mean() / 1000.0, status_text.empty() ? " -" : status_text.c_str(), errors, non2xx,
               k.io_errors, k.timeouts, k.reconnects);
  std::printf(
      "{\"tool\":\"bench_loadgen\",\"label\":\"%s\",\"url\":\"%s\",\"method\":\"%s\","
      "\"connections\":%d,\"threads\":%d,\"body_size\":%d,\"warmup_s\":%.3f,\"seconds\":%.3f,"
      "\"requests\":%" PRIu64
      ",\"rps\":%.1f,\"ok_rps\":%.1f,\"latency_us\":{\"p50\":%.1f,"
      "\"p90\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f,\"mean\":%.1f},\"status\":{%s},"
      "\"ok\":%" PRIu64 ",\"non2xx\":%" PRIu64 ",\"io_errors\":%" PRIu64 ",\"timeouts\":%" PRIu64
      ",\"errors\":%" PRIu64 ",\"reconnects\":%" PRIu64 ",\"warmup_requests\":%" PRIu64
      ",\"warmup_errors\":%" PRIu64 ",\"bytes_out\":%" PRIu64 ",\"bytes_in\":%" PRIu64
      ",\"run_id\":\"%s\"}\n",
      JsonEscape(o.label).c_str(), JsonEscape(url).c_str(), o.method.c_str(), o.connections,
      o.threads, o.method == "POST" ? o.body_size : 0, o.warmup_s, seconds, h.total(), rps, ok_rps,
      us(h.Quantile(0.5)), us(h.Quantile(0.9)), us(h.Quantile(0.99)), us(h.Quantile(0.999)),
      us(h.max()), h.mean() / 1000.0, status_json.c_str(), ok, non2xx, k.io_errors, k.timeouts,
      errors, k.reconnects, k.warmup_requests, k.warmup_errors, k.bytes_out, k.bytes_in,
      JsonEscape(o.run_id).c_str());
  std::fflush(stdout);
  return errors == 0 && h.total() > 0 ? 0 : 1;
}
