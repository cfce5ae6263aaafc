// File-drop transport: how many legacy ERPs and partners integrate.
//
// Outbound (FileDropDestination): each delivery is written to the partner's outbound folder as
// `<name>.tmp`, flushed to disk, then renamed, so a reader never sees half a file. The file name
// comes from the delivery's fixed idempotency key, so a retry rewrites the same file instead of
// adding a second one.
//
// Inbound (FileDropPoller): a thread per folder lists the partner's inbound folder, takes files
// whose size and modification time have stopped changing, accepts each through the store and
// moves it to the archive folder only after the accept is durable. A crash between the two
// leaves the file in place; the next poll accepts it again, is answered with the original
// message (same idempotency key), and archives it. Hidden files and *.tmp / *.part are ignored.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "config/config.hpp"
#include "engine/engine.hpp"
#include "store/store.hpp"

namespace crossdock::transports {

class FileDropDestination final : public engine::Destination {
 public:
  explicit FileDropDestination(std::string outbound_dir);
  void Deliver(const store::QueueItem& item,
               std::function<void(engine::DeliveryOutcome)> done) override;
  // The file name a delivery is written under.
  static std::string FileName(const store::QueueItem& item);

 private:
  std::string dir_;
};

// Content type for a file name by its extension (.x12 .edi .txt .850 ... -> X12, .csv, .json).
std::string ContentTypeForFile(const std::string& name);

class FileDropPoller {
 public:
  using FirstSteps = std::function<std::vector<store::WorkSpec>(const std::string& partner)>;
  FileDropPoller(store::Store& store, const config::Partner& partner, store::DedupePolicy policy,
                 FirstSteps first_steps, const Clock& clock = Clock::System());
  ~FileDropPoller();
  void Start();
  void Stop();
  // One pass over the folder (the thread calls this every poll interval). Returns files accepted.
  int PollOnce();

 private:
  struct Seen {
    uintmax_t size = 0;
    int64_t mtime = 0;
  };
  store::Store& store_;
  config::Partner partner_;
  store::DedupePolicy policy_;
  FirstSteps first_steps_;
  const Clock& clock_;
  std::map<std::string, Seen> pending_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace crossdock::transports
