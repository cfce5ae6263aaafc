#include "pipeline/publish.hpp"

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "engine/routing.hpp"
#include "mapping/encode.hpp"
#include "model/json.hpp"
#include "pipeline/inbound.hpp"

namespace crossdock::pipeline {
namespace {

using nlohmann::json;

Decimal Dec(const std::string& s) {
  return Decimal::Parse(s.empty() ? "0" : s).value_or(Decimal());
}

int Bucket(const Decimal& v, const Decimal& low) {
  if (v.sign() <= 0) return 0;
  if (v <= low) return 1;
  return 2;
}

bool Material(const Decimal& before, const Decimal& now, const Decimal& pct, const Decimal& low) {
  if (Bucket(before, low) != Bucket(now, low)) return true;
  if (before == now) return false;
  const Decimal base = before.sign() > 0 ? before : Decimal::FromInt(1);
  auto diff = now.Sub(before);
  if (!diff.ok()) return true;
  auto rel =
      diff->Abs().Mul(Decimal::FromInt(100)).value_or(Decimal()).Div(base, 4, Rounding::kHalfEven);
  return !rel.ok() || *rel >= pct;
}

}  // namespace

AvailabilityPublisher::AvailabilityPublisher(store::Store& store, const config::Config& cfg,
                                             const inventory::Index& index, const Clock& clock)
    : store_(store), cfg_(cfg), index_(index), clock_(clock) {}

AvailabilityPublisher::~AvailabilityPublisher() { Stop(); }

void AvailabilityPublisher::OnChanges(const std::vector<store::InventoryChange>& changes) {
  if (!cfg_.publication.enabled) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& c : changes) dirty_.insert({c.sku, c.warehouse});
}

void AvailabilityPublisher::Start() {
  if (!cfg_.publication.enabled || running_.exchange(true)) return;
  thread_ = std::thread([this] {
    while (running_) {
      const auto until = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(cfg_.publication.interval_ms);
      while (running_ && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (running_) Tick();
    }
  });
}

void AvailabilityPublisher::Stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
}

int AvailabilityPublisher::Tick() {
  std::set<std::pair<std::string, std::string>> dirty;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dirty.swap(dirty_);
  }
  if (dirty.empty()) return 0;
  const Decimal pct = Dec(cfg_.publication.threshold_percent);
  const Decimal low = Dec(cfg_.publication.low_stock);
  json batch = json::array();
  std::vector<std::pair<std::pair<std::string, std::string>, Decimal>> sent;
  for (const auto& key : dirty) {
    auto p = index_.Get(key.first, key.second);
    if (!p) continue;
    const Decimal now = p->AvailableNow();
    auto it = published_.find(key);
    const bool first = it == published_.end();
    if (!first && !Material(it->second, now, pct, low)) continue;
    batch.push_back({{"sku", key.first},
                     {"warehouse", key.second},
                     {"available", now.ToString()},
                     {"uom", p->uom},
                     {"previous", first ? json(nullptr) : json(it->second.ToString())},
                     {"bucket", Bucket(now, low) == 0   ? "out_of_stock"
                                : Bucket(now, low) == 1 ? "low"
                                                        : "in_stock"}});
    sent.push_back({key, now});
  }
  if (batch.empty()) return 0;
  store::WorkSpec w;
  w.step = kPublishStep;
  w.ordering_key = "publish";
  w.payload = json({{"as_of", FormatIso8601(clock_.Now())}, {"positions", batch}}).dump();
  if (!store_.Enqueue({w}).ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_.insert(dirty.begin(), dirty.end());  // try again next tick
    return 0;
  }
  for (const auto& [key, v] : sent) published_[key] = v;
  return static_cast<int>(sent.size());
}

engine::StepDef MakePublishStep(store::Store& store, const config::Config& cfg,
                                const Clock& clock) {
  engine::StepDef def;
  def.name = kPublishStep;
  def.retry = cfg.engine.step_retry;
  def.runs_ok = true;
  store::Store* st = &store;
  const config::Config* c = &cfg;
  const Clock* clk = &clock;
  def.run = [st, c, clk](const store::QueueItem& item) -> engine::StepResult {
    json p = json::parse(item.payload, nullptr, false);
    if (!p.is_object()) return engine::StepResult::Done();
    const TimePoint now = clk->Now();
    store::Completion done;
    const std::string id = NewIdAt(now);
    engine::EventSpec ev{"inventory.availability_changed.v1",
                         "hub",
                         "availability/" + id,
                         p.dump(),
                         "",
                         item.correlation_id,
                         item.traceparent,
                         "publish"};
    for (auto& d : engine::FanOut(*c, ev, now)) done.deliveries.push_back(std::move(d));
    // Channels with an outbound inventory advice route get the batch in their own format.
    model::InventoryAdvice advice;
    advice.advice_id = "AV-" + id.substr(0, 13);
    advice.as_of = p.value("as_of", FormatIso8601(now));
    advice.kind = "delta";
    for (const auto& pos : p["positions"]) {
      model::InventoryLine l;
      l.item.sku = pos.value("sku", "");
      l.location = pos.value("warehouse", "");
      l.available = model::Quantity{Dec(pos.value("available", "0")), pos.value("uom", "EA")};
      advice.lines.push_back(std::move(l));
    }
    for (const auto& partner_id : c->publication.channels) {
      const config::Partner* ch = c->FindPartner(partner_id);
      if (!ch || !ch->FindRoute("inventory_advice", "out")) continue;
      mapping::EncodeOptions eo;
      eo.next_control = [st, partner_id](const std::string& k) {
        return st->NextSequence(partner_id, "out-" + k);
      };
      eo.clock = clk;
      auto enc = mapping::Encode(*c, *ch, {model::DocumentType::kInventoryAdvice, advice}, eo);
      if (!enc.ok()) {
        store::ExceptionRecord r;
        r.id = NewIdAt(now);
        r.type = "send_failed";
        r.partner_id = partner_id;
        r.document_type = "inventory_advice";
        r.document_id = advice.advice_id;
        r.rule = "documents for a partner must be expressible in its format";
        r.message =
            "availability for " + partner_id + " could not be built: " + enc.error().ToString();
        done.exceptions.push_back(r);
        continue;
      }
      if (ch->transport.type == "none") continue;
      store::DeliverySpec d;
      d.destination_id = PartnerDestination(partner_id);
      d.ordering_key = d.destination_id + "/availability";
      d.partner_id = partner_id;
      d.event_type = "inventory_advice-" + advice.advice_id;
      d.idempotency_key = NewIdAt(now);
      d.content_type = enc->content_type;
      d.body = enc->bytes;
      done.deliveries.push_back(std::move(d));
    }
    store::EventRecord e;
    e.type = "availability.published";
    e.subject = advice.advice_id;
    e.detail_json = json({{"positions", p["positions"].size()}}).dump();
    done.events.push_back(e);
    return engine::StepResult::Done(std::move(done));
  };
  return def;
}

}  // namespace crossdock::pipeline
