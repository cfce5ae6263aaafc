// Streaming X12 reader: large files in bounded memory, one callback per transaction set.
//
// Guarantees: ReadStream pulls bytes from a ByteSource in chunks (1 MiB by default) and calls the
// handler for every interchange, group, set, TA1 and diagnostic, in file order, exactly as
// ReadDocument would report them. Memory is bounded by the chunk size plus the largest single
// transaction set: the buffer only ever holds the set being read. Views passed to a callback are
// valid only during that callback. FunctionalGroup::sets and Interchange::groups are left empty
// (their counts are filled in). Inputs that need a whole-file repair before they can be scanned —
// UTF-16, EBCDIC or a multi-byte delimiter — are detected on the first chunk and read whole
// (they are small legacy files in practice); everything else streams. A source that already holds
// the whole input in memory (MemorySource) is scanned in place: no chunk buffer, no copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "core/result.hpp"
#include "edi/x12/document.hpp"

namespace crossdock::x12 {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes into buf; returns 0 at end of input.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // The rest of the input when the source already holds all of it in memory, to be read in
  // place; a null data() otherwise (then Read is used).
  virtual std::string_view InMemory() const { return {}; }
};

// Reads a file descriptor opened by the caller (not closed).
class FdSource final : public ByteSource {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  int fd_;
};

class IstreamSource final : public ByteSource {
 public:
  explicit IstreamSource(std::istream& in) : in_(in) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  std::istream& in_;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view data, size_t max_read = SIZE_MAX)
      : data_(data), max_read_(max_read) {}
  Result<size_t> Read(char* buf, size_t n) override;
  // In place unless max_read limits the reads (which tests use to cut the input into pieces).
  std::string_view InMemory() const override {
    return max_read_ == SIZE_MAX && data_.data() != nullptr ? data_.substr(pos_)
                                                            : std::string_view();
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  size_t max_read_;
};

class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  virtual void OnInterchange(const Interchange& ic) {}
  virtual void OnGroup(const Interchange& ic, const FunctionalGroup& group) {}
  virtual void OnSet(const Interchange& ic, const FunctionalGroup& group, const TransactionSet& set,
                     const SetView& segments) {}
  virtual void OnGroupEnd(const Interchange& ic, const FunctionalGroup& group) {}
  virtual void OnInterchangeEnd(const Interchange& ic) {}
  virtual void OnTa1(const Interchange& ic, const SegmentView& ta1) {}
  virtual void OnDiagnostic(const Diagnostic& d) {}
};

struct StreamOptions {
  ReadOptions read;
  size_t chunk_size = size_t{1} << 20;
  // A single transaction set larger than this stops the read with kTooLarge.
  size_t max_set_bytes = size_t{1} << 30;
};

struct StreamStats {
  uint64_t bytes = 0;
  uint64_t segments = 0;
  uint64_t sets = 0;
  uint64_t groups = 0;
  uint64_t interchanges = 0;
  uint64_t diagnostics = 0;
  size_t peak_buffer = 0;   // largest buffer held, bytes
  bool whole_file = false;  // the input needed a whole-file repair (see above)
};

[[nodiscard]] Result<StreamStats> ReadStream(ByteSource& source, StreamHandler& handler,
                                             const StreamOptions& opts = {});
[[nodiscard]] Result<StreamStats> ReadFileStream(const std::string& path, StreamHandler& handler,
                                                 const StreamOptions& opts = {});

}  // namespace crossdock::x12
