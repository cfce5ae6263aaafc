#include "connectors/tryton/destination.hpp"

#include <algorithm>
#include <chrono>

#include "connectors/tryton/jsonrpc.hpp"
#include "obs/log.hpp"

namespace crossdock::connectors::tryton {
namespace {

std::string CodeFor(const Error& e) {
  switch (e.code()) {
    case Code::kCancelled:
      return "cancelled";  // the engine gives the delivery back without counting an attempt
    case Code::kDeadlineExceeded:
      return "timeout";
    case Code::kUnavailable:
      return "tryton_unavailable";
    case Code::kConflict:
      return "tryton_concurrency";
    case Code::kUnauthenticated:
      return "tryton_login";
    case Code::kResourceExhausted:
      return "tryton_throttled";
    case Code::kFailedPrecondition:
      return "tryton_rejected";
    case Code::kPermissionDenied:
      return "tryton_forbidden";
    case Code::kInvalidArgument:
      return "invalid_posting";
    case Code::kUnsupported:
      return "unsupported_posting";
    default:
      return "tryton_error";
  }
}

}  // namespace

engine::DeliveryOutcome OutcomeFor(const Result<PushResult>& r) {
  engine::DeliveryOutcome out;
  if (r.ok()) {
    out.kind = engine::DeliveryOutcome::Kind::kDelivered;
    out.code = "ok";
    out.message = r->note;
    return out;
  }
  const Error& e = r.error();
  out.code = CodeFor(e);
  out.message = e.message();
  out.kind = RetryLater(e) ? engine::DeliveryOutcome::Kind::kRetry
                           : engine::DeliveryOutcome::Kind::kReject;
  return out;
}

TrytonDestination::TrytonDestination(Connector& connector, std::string partner_id, int threads)
    : connector_(connector), partner_id_(std::move(partner_id)) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Run(); });
}

TrytonDestination::~TrytonDestination() { Stop(); }

void TrytonDestination::Deliver(const store::QueueItem& item,
                                std::function<void(engine::DeliveryOutcome)> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      jobs_.push_back({item, std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  engine::DeliveryOutcome out;
  out.code = "cancelled";
  out.message = "the hub is shutting down";
  done(out);
}

void TrytonDestination::Run() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping and nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
      if (stopping_) {
        lock.unlock();
        engine::DeliveryOutcome out;
        out.code = "cancelled";
        out.message = "the hub is shutting down";
        job.done(out);
        continue;
      }
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto r = connector_.Push(job.item.payload);
    engine::DeliveryOutcome out = OutcomeFor(r);
    out.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    if (r.ok()) {
      obs::Info("tryton", "posted",
                {{"partner", partner_id_},
                 {"kind", r->kind},
                 {"key", r->key},
                 {"model", r->model},
                 {"id", static_cast<long long>(r->id)},
                 {"state", r->state},
                 {"created", r->created},
                 {"note", r->note},
                 {"ms", static_cast<long long>(out.duration_ms)}});
    } else if (out.code != "cancelled") {
      obs::Warn("tryton",
                out.kind == engine::DeliveryOutcome::Kind::kReject ? "posting rejected"
                                                                   : "posting failed; will retry",
                {{"partner", partner_id_},
                 {"event_type", job.item.event_type},
                 {"attempt", job.item.attempts},
                 {"error", r.error().ToString()}});
    }
    job.done(std::move(out));
  }
}

void TrytonDestination::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

Link::Link(const config::Config& cfg, const config::Partner& partner)
    : partner_id_(partner.id),
      threads_(partner.transport.max_in_flight),
      pull_interval_(partner.transport.pull_interval_ms) {
  ClientOptions co;
  co.url = partner.transport.url;
  co.database = partner.transport.database;
  co.user = partner.transport.user;
  co.password = partner.transport.password;
  co.timeout = Millis(partner.transport.timeout_ms);
  client_ = std::make_unique<Client>(co, CurlHttp(&abort_));
  ConnectorOptions opts;
  opts.partner_id = partner.id;
  opts.invoice_method = partner.transport.invoice_method;
  opts.warehouses = partner.transport.warehouses;
  opts.parties = partner.transport.parties;
  opts.items = partner.item_xref;
  opts.uom_aliases = partner.uom_aliases;
  for (const auto& i : cfg.items) opts.base_uoms[i.sku] = i.base_uom;
  connector_ = std::make_unique<Connector>(*client_, std::move(opts));
}

Link::~Link() {
  abort_ = true;
  if (puller_) puller_->Stop();
}

std::unique_ptr<engine::Destination> Link::MakeDestination() {
  auto d = std::make_unique<TrytonDestination>(*connector_, partner_id_, threads_);
  destination_ = d.get();
  return d;
}

void Link::StartPulls(store::Store& store) {
  if (pull_interval_.count() <= 0 || puller_) return;
  puller_ = std::make_unique<Puller>(store, *connector_, partner_id_, pull_interval_);
  puller_->Start();
}

void Link::Stop() {
  abort_ = true;  // calls in flight end at once (aborted transfers are given back, not failed)
  if (puller_) puller_->Stop();
  if (destination_ != nullptr) destination_->Stop();
}

}  // namespace crossdock::connectors::tryton
