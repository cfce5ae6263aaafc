#include "edi/x12/stream.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <istream>

#include "edi/x12/internal.hpp"

namespace crossdock::x12 {

Result<size_t> FdSource::Read(char* buf, size_t n) {
  while (true) {
    ssize_t r = ::read(fd_, buf, n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno == EINTR) continue;
    return Error(Code::kUnavailable, std::string("read failed: ") + std::strerror(errno));
  }
}

Result<size_t> IstreamSource::Read(char* buf, size_t n) {
  in_.read(buf, static_cast<std::streamsize>(n));
  auto got = static_cast<size_t>(in_.gcount());
  if (in_.bad()) return Error(Code::kUnavailable, "stream read failed");
  return got;
}

Result<size_t> MemorySource::Read(char* buf, size_t n) {
  size_t k = std::min({n, data_.size() - pos_, max_read_});
  std::memcpy(buf, data_.data() + pos_, k);
  pos_ += k;
  return k;
}

namespace {

StreamStats Stats(const detail::Engine& e, uint64_t bytes, size_t peak, bool whole) {
  StreamStats s;
  s.bytes = bytes;
  s.segments = e.segments_seen();
  s.sets = e.sets_seen();
  s.groups = e.groups_seen();
  s.interchanges = e.interchanges_seen();
  s.diagnostics = e.diagnostics_seen();
  s.peak_buffer = peak;
  s.whole_file = whole;
  return s;
}

Error NoIsa() {
  return Error(Code::kInvalidArgument, "no ISA segment found: the input is not an X12 interchange",
               "byte 0");
}

// Input that needs a whole-file repair (legacy encodings, multi-byte delimiters): normalized
// as a whole, then scanned.
Result<StreamStats> ScanRepaired(std::string_view all, StreamHandler& handler,
                                 const StreamOptions& opts) {
  detail::Storage storage;
  auto norm = detail::Normalize(all);
  if (!norm.ok()) return norm.error();
  storage.norm = std::move(norm).value();
  if (opts.read.report_artefacts) {
    for (const auto& d : storage.norm.notes) handler.OnDiagnostic(d);
  }
  std::string_view text = storage.norm.Text(all);
  detail::Engine engine(&handler, &storage, opts.read, /*retain=*/false);
  (void)engine.Scan(text.data(), text.size(), 0, true);
  engine.Finish();
  if (!engine.saw_interchange()) return NoIsa();
  return Stats(engine, all.size(), all.size() + storage.norm.owned.size(), true);
}

// A UTF-8 byte-order mark at the start is skipped (offsets still count it) and noted.
size_t SkipBom(std::string_view head, detail::Storage* storage, StreamHandler& handler,
               const StreamOptions& opts) {
  if (head.size() < 3 || static_cast<unsigned char>(head[0]) != 0xEF ||
      static_cast<unsigned char>(head[1]) != 0xBB || static_cast<unsigned char>(head[2]) != 0xBF) {
    return 0;
  }
  storage->norm.map.skip = 3;
  storage->norm.encoding = Encoding::kUtf8Bom;
  if (opts.read.report_artefacts) {
    Diagnostic d;
    d.severity = Severity::kInfo;
    d.rule = "utf8-bom";
    d.message = "UTF-8 byte-order mark skipped";
    handler.OnDiagnostic(d);
  }
  return 3;
}

// The whole input is in memory already: scanned where it lies.
Result<StreamStats> ScanInPlace(std::string_view in, StreamHandler& handler,
                                const StreamOptions& opts) {
  if (detail::NeedsWholeFile(in, true)) return ScanRepaired(in, handler, opts);
  if (in.empty()) return Error(Code::kInvalidArgument, "empty input: no X12 interchange");
  detail::Storage storage;
  std::string_view text = in.substr(SkipBom(in, &storage, handler, opts));
  detail::Engine engine(&handler, &storage, opts.read, /*retain=*/false);
  (void)engine.Scan(text.data(), text.size(), 0, true);
  engine.Finish();
  if (!engine.saw_interchange()) return NoIsa();
  return Stats(engine, in.size(), 0, false);
}

}  // namespace

Result<StreamStats> ReadStream(ByteSource& source, StreamHandler& handler,
                               const StreamOptions& opts) {
  if (std::string_view in = source.InMemory(); in.data() != nullptr) {
    return ScanInPlace(in, handler, opts);
  }
  size_t cap = std::max<size_t>(opts.chunk_size, 4096);
  auto buf = std::make_unique<char[]>(cap);
  size_t filled = 0;
  bool eof = false;
  uint64_t total = 0;
  // First look: enough bytes to see the encoding and the first ISA.
  while (!eof && filled < std::min<size_t>(cap, 1024)) {
    auto n = source.Read(buf.get() + filled, cap - filled);
    if (!n.ok()) return n.error();
    if (*n == 0) eof = true;
    filled += *n;
    total += *n;
  }
  std::string_view head(buf.get(), filled);
  if (detail::NeedsWholeFile(head, eof)) {
    // Legacy encodings and multi-byte delimiters: read the rest and repair as a whole.
    std::string all(head);
    while (!eof) {
      auto n = source.Read(buf.get(), cap);
      if (!n.ok()) return n.error();
      if (*n == 0) break;
      all.append(buf.get(), *n);
    }
    buf.reset();
    return ScanRepaired(all, handler, opts);
  }

  detail::Storage storage;
  if (filled == 0) return Error(Code::kInvalidArgument, "empty input: no X12 interchange");
  if (size_t skip = SkipBom(head, &storage, handler, opts); skip > 0) {
    std::memmove(buf.get(), buf.get() + skip, filled - skip);
    filled -= skip;
  }
  detail::Engine engine(&handler, &storage, opts.read, /*retain=*/false);
  uint64_t base = 0;
  size_t peak = cap;
  while (true) {
    size_t keep = engine.Scan(buf.get(), filled, base, eof);
    if (eof) break;
    if (keep > 0) {
      std::memmove(buf.get(), buf.get() + keep, filled - keep);
      engine.Rebase(buf.get() + keep, buf.get() + filled, buf.get());
      base += keep;
      filled -= keep;
    }
    if (filled == cap) {
      if (cap * 2 > opts.max_set_bytes + opts.chunk_size) {
        return Error(Code::kTooLarge, "a transaction set is larger than the configured limit of " +
                                          std::to_string(opts.max_set_bytes) + " bytes");
      }
      auto bigger = std::make_unique<char[]>(cap * 2);
      std::memcpy(bigger.get(), buf.get(), filled);
      engine.Rebase(buf.get(), buf.get() + filled, bigger.get());
      buf = std::move(bigger);
      cap *= 2;
      peak = std::max(peak, cap);
    }
    auto n = source.Read(buf.get() + filled, cap - filled);
    if (!n.ok()) return n.error();
    if (*n == 0) eof = true;
    filled += *n;
    total += *n;
  }
  engine.Finish();
  if (!engine.saw_interchange()) return NoIsa();
  return Stats(engine, total, peak, false);
}

Result<StreamStats> ReadFileStream(const std::string& path, StreamHandler& handler,
                                   const StreamOptions& opts) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Error(Code::kNotFound, std::string("cannot open: ") + std::strerror(errno), path);
  FdSource src(fd);
  auto r = ReadStream(src, handler, opts);
  ::close(fd);
  if (!r.ok()) return Error(r.error().code(), r.error().message(), path);
  return r;
}

}  // namespace crossdock::x12
