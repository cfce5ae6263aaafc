#include "transports/filedrop/filedrop.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/strings.hpp"
#include "obs/log.hpp"

namespace crossdock::transports {
namespace fs = std::filesystem;

namespace {

std::string Extension(const std::string& content_type) {
  const std::string ct = ToLower(content_type.substr(0, content_type.find(';')));
  if (ct == "text/csv") return ".csv";
  if (ct == "application/json") return ".json";
  if (ct == "application/edi-x12" || ct == "application/edi" || ct == "text/plain") return ".x12";
  return ".dat";
}

bool SafeName(const std::string& s) {
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.')) {
      return false;
    }
  }
  return !s.empty() && s[0] != '.';
}

// Writes data to path atomically: temp file, fsync, rename, fsync of the directory.
Status WriteAtomically(const fs::path& path, const std::string& data) {
  const fs::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Error(Code::kUnavailable, "cannot create " + tmp.string() + ": " + std::strerror(errno));
  }
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string err = std::strerror(errno);
      ::close(fd);
      return Error(Code::kUnavailable, "cannot write " + tmp.string() + ": " + err);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Error(Code::kUnavailable, "cannot flush " + tmp.string() + ": " + std::strerror(errno));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec)
    return Error(Code::kUnavailable, "cannot rename to " + path.string() + ": " + ec.message());
  const int dfd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace

std::string ContentTypeForFile(const std::string& name) {
  const std::string ext = ToLower(fs::path(name).extension().string());
  if (ext == ".csv") return "text/csv";
  if (ext == ".json") return "application/json";
  if (ext == ".x12" || ext == ".edi" || ext == ".txt" || ext == ".dat" ||
      (ext.size() == 4 && std::isdigit(static_cast<unsigned char>(ext[1])))) {
    return "application/edi-x12";
  }
  return "application/octet-stream";
}

FileDropDestination::FileDropDestination(std::string outbound_dir)
    : dir_(std::move(outbound_dir)) {}

std::string FileDropDestination::FileName(const store::QueueItem& item) {
  std::string stem = item.event_type.empty() ? "document" : item.event_type;
  for (auto& c : stem) {
    if (!SafeName(std::string(1, c))) c = '_';
  }
  std::string key = item.idempotency_key;
  for (auto& c : key) {
    if (!SafeName(std::string(1, c))) c = '_';
  }
  return stem + "-" + key + Extension(item.content_type);
}

void FileDropDestination::Deliver(const store::QueueItem& item,
                                  std::function<void(engine::DeliveryOutcome)> done) {
  const auto t0 = std::chrono::steady_clock::now();
  engine::DeliveryOutcome out;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  const fs::path path = fs::path(dir_) / FileName(item);
  Status st = WriteAtomically(path, item.payload);
  out.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  if (st.ok()) {
    out.kind = engine::DeliveryOutcome::Kind::kDelivered;
    out.message = "written to " + path.string();
  } else {
    out.kind = engine::DeliveryOutcome::Kind::kRetry;  // a full disk or a missing mount heals
    out.code = "file_write_failed";
    out.message = st.ToString();
  }
  done(std::move(out));
}

FileDropPoller::FileDropPoller(store::Store& store, const config::Partner& partner,
                               store::DedupePolicy policy, FirstSteps first_steps,
                               const Clock& clock)
    : store_(store),
      partner_(partner),
      policy_(policy),
      first_steps_(std::move(first_steps)),
      clock_(clock) {}

FileDropPoller::~FileDropPoller() { Stop(); }

void FileDropPoller::Start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] {
    while (running_) {
      PollOnce();
      const auto until = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(partner_.transport.poll_interval_ms);
      while (running_ && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  });
}

void FileDropPoller::Stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
}

int FileDropPoller::PollOnce() {
  const fs::path in(partner_.transport.inbound_dir);
  const fs::path archive = partner_.transport.archive_dir.empty()
                               ? in / ".archive"
                               : fs::path(partner_.transport.archive_dir);
  std::error_code ec;
  if (!fs::is_directory(in, ec)) return 0;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(in, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.empty() || name[0] == '.' ||
        StartsWith(ToLower(e.path().extension().string()), ".tmp") ||
        ToLower(e.path().extension().string()) == ".part") {
      continue;
    }
    files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());  // partners often name files in sending order
  int accepted = 0;
  std::map<std::string, Seen> still_pending;
  for (const auto& f : files) {
    const std::string name = f.filename().string();
    Seen now{fs::file_size(f, ec), std::chrono::duration_cast<std::chrono::milliseconds>(
                                       fs::last_write_time(f, ec).time_since_epoch())
                                       .count()};
    if (ec) continue;
    auto it = pending_.find(name);
    // Take a file only once it has stopped changing between two polls.
    if (it == pending_.end() || it->second.size != now.size || it->second.mtime != now.mtime) {
      still_pending[name] = now;
      continue;
    }
    std::ifstream is(f, std::ios::binary);
    std::stringstream ss;
    ss << is.rdbuf();
    std::string data = ss.str();
    if (data.empty()) {
      still_pending[name] = now;  // an empty file may still be being written
      continue;
    }
    store::NewMessage m;
    m.partner_id = partner_.id;
    m.content_type = ContentTypeForFile(name);
    m.content_hash = Sha256Hex(data);
    m.idempotency_key = "file:" + name + ":" + m.content_hash.substr(0, 16);
    m.payload = std::move(data);
    m.correlation_id = NewId();
    m.received_at = clock_.Now();
    auto r = store_.AcceptSync(std::move(m), first_steps_(partner_.id), policy_);
    if (!r.ok()) {
      obs::Warn("filedrop", "accept failed; file left in place",
                {{"partner", partner_.id}, {"file", name}, {"error", r.error().ToString()}});
      continue;
    }
    fs::create_directories(archive, ec);
    fs::path dest = archive / name;
    if (fs::exists(dest, ec)) dest = archive / (name + "." + r->message_id);
    fs::rename(f, dest, ec);
    if (ec) {
      obs::Warn("filedrop", "accepted but could not archive; will be recognised as a duplicate",
                {{"partner", partner_.id}, {"file", name}, {"error", ec.message()}});
    }
    obs::Info("filedrop", r->duplicate ? "file was a duplicate" : "file accepted",
              {{"partner", partner_.id},
               {"file", name},
               {"message_id", r->message_id},
               {"correlation_id", r->correlation_id}});
    ++accepted;
  }
  pending_ = std::move(still_pending);
  return accepted;
}

}  // namespace crossdock::transports
