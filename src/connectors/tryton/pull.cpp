#include "connectors/tryton/pull.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "obs/log.hpp"

namespace crossdock::connectors::tryton {
namespace {

using nlohmann::json;

constexpr size_t kMaxListed = 50;  // entries listed per event; the rest are counted

std::string Str(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

Decimal Dec(const std::string& s) {
  auto d = Decimal::Parse(s.empty() ? "0" : s);
  return d.ok() ? *d : Decimal();
}

// Appends to a capped list, counting what did not fit.
void Listed(json* list, json entry, int* more) {
  if (list->size() < kMaxListed) {
    list->push_back(std::move(entry));
  } else {
    ++*more;
  }
}

// Keyed records: added, removed, and field changes between two {key: record} maps.
json DiffRecords(const json& before, const json& after, const std::vector<std::string>& fields,
                 int* changes) {
  json added = json::array(), removed = json::array(), changed = json::array();
  int more = 0;
  for (auto it = after.begin(); it != after.end(); ++it) {
    auto old = before.find(it.key());
    if (old == before.end()) {
      Listed(&added, it.key(), &more);
      ++*changes;
      continue;
    }
    for (const auto& f : fields) {
      const json a = old->value(f, json());
      const json b = it->value(f, json());
      if (a != b) {
        Listed(&changed, {{"code", it.key()}, {"field", f}, {"from", a}, {"to", b}}, &more);
        ++*changes;
      }
    }
  }
  for (auto it = before.begin(); it != before.end(); ++it) {
    if (!after.contains(it.key())) {
      Listed(&removed, it.key(), &more);
      ++*changes;
    }
  }
  json out = json::object();
  if (!added.empty()) out["added"] = added;
  if (!removed.empty()) out["removed"] = removed;
  if (!changed.empty()) out["changed"] = changed;
  if (more > 0) out["more"] = more;
  return out;
}

json Keyed(const json& list, const char* key, const std::vector<std::string>& fields) {
  json out = json::object();
  if (!list.is_array()) return out;
  for (const auto& r : list) {
    const std::string k = Str(r, key);
    if (k.empty()) continue;
    json v = json::object();
    for (const auto& f : fields) v[f] = r.value(f, json());
    out[k] = v;
  }
  return out;
}

// The snapshot without its time, for telling whether anything changed.
std::string Fingerprint(const json& snap) {
  json copy = snap;
  copy.erase("taken_at");
  return Sha256Hex(copy.dump());
}

}  // namespace

Result<PullDiff> DiffSnapshot(const std::string& previous_state_json,
                              const std::string& snapshot_json, const inventory::Index& index,
                              const std::string& source) {
  const json snap = json::parse(snapshot_json, nullptr, false);
  if (!snap.is_object())
    return Error(Code::kInvalidArgument, "the ERP snapshot is not a JSON object");
  json prev =
      previous_state_json.empty() ? json() : json::parse(previous_state_json, nullptr, false);
  const bool first = !prev.is_object();
  if (first) prev = json::object();
  const std::string taken_at = Str(snap, "taken_at");
  const TimePoint taken = ParseIso8601(taken_at).value_or(TimePoint{});

  PullDiff out;
  json state = {{"taken_at", taken_at}};
  auto event = [&](const std::string& type, const json& detail) {
    store::EventRecord e;
    e.type = type;
    e.detail_json = detail.dump();
    out.events.push_back(std::move(e));
  };

  // Master data.
  const std::vector<std::string> item_fields{"sku", "name", "uom", "active", "type", "list_price"};
  const std::vector<std::string> party_fields{"partner", "name", "active"};
  const std::vector<std::string> wh_fields{"name", "location"};
  const std::vector<std::string> doc_fields{"number", "state", "shipment_state", "invoice_state"};
  state["items"] = Keyed(snap.value("items", json()), "code", item_fields);
  state["parties"] = Keyed(snap.value("parties", json()), "code", party_fields);
  state["warehouses"] = Keyed(snap.value("warehouses", json()), "code", wh_fields);
  json docs = json::object();
  for (const auto& d : snap.value("documents", json::array())) {
    const std::string k = Str(d, "model") + "|" + Str(d, "reference");
    json v = json::object();
    for (const auto& f : doc_fields) v[f] = d.value(f, json());
    docs[k] = v;
  }
  state["documents"] = docs;
  if (first) {
    event("erp.master_data.loaded", {{"items", state["items"].size()},
                                     {"parties", state["parties"].size()},
                                     {"warehouses", state["warehouses"].size()},
                                     {"documents", docs.size()}});
    out.changes += static_cast<int>(state["items"].size() + state["parties"].size() +
                                    state["warehouses"].size());
  } else {
    const struct {
      const char* name;
      const std::vector<std::string>* fields;
    } sections[] = {
        {"items", &item_fields}, {"parties", &party_fields}, {"warehouses", &wh_fields}};
    for (const auto& s : sections) {
      int n = 0;
      json d = DiffRecords(prev.value(s.name, json::object()), state[s.name], *s.fields, &n);
      if (n > 0) {
        d["count"] = n;
        event(std::string("erp.") + s.name + ".changed", d);
        out.changes += n;
      }
    }
    // Documents the hub posted: state changes are listed; new ones only counted (they are the
    // hub's own postings arriving).
    const json before = prev.value("documents", json::object());
    json changed = json::array();
    int more = 0, n = 0, added = 0;
    for (auto it = docs.begin(); it != docs.end(); ++it) {
      auto old = before.find(it.key());
      if (old == before.end()) {
        ++added;
        continue;
      }
      for (const auto& f : doc_fields) {
        if (old->value(f, json()) != it->value(f, json())) {
          const auto bar = it.key().find('|');
          Listed(&changed,
                 {{"model", it.key().substr(0, bar)},
                  {"reference", it.key().substr(bar + 1)},
                  {"field", f},
                  {"from", old->value(f, json())},
                  {"to", it->value(f, json())}},
                 &more);
          ++n;
        }
      }
    }
    if (n > 0 || added > 0) {
      json d = {{"count", n}, {"new", added}};
      if (!changed.empty()) d["changed"] = changed;
      if (more > 0) d["more"] = more;
      event("erp.documents.changed", d);
      out.changes += n;
    }
  }

  // Stock: positions Tryton changed since the previous pull, or the hub has no figure for.
  const json prev_stock = prev.value("stock", json::object());
  json stock_state = json::object();
  json changed = json::array();
  int more = 0, stale = 0;
  for (const auto& row : snap.value("stock", json::array())) {
    const std::string sku = Str(row, "sku");
    const std::string wh = Str(row, "warehouse");
    if (sku.empty() || wh.empty()) continue;
    const std::string key = sku + "@" + wh;
    const std::string qty_text = Str(row, "quantity");
    auto q = Decimal::Parse(qty_text.empty() ? "0" : qty_text);
    if (!q.ok()) continue;
    const auto prev_q = prev_stock.find(key);
    const bool erp_changed =
        prev_q == prev_stock.end() || !prev_q->is_string() || Dec(prev_q->get<std::string>()) != *q;
    const auto pos = index.Get(sku, wh);
    const bool never = !pos || pos->on_hand_as_of == TimePoint{};
    if (!erp_changed && !never) {
      stock_state[key] = q->ToString();
      continue;
    }
    stock_state[key] = q->ToString();
    store::InventoryChange c;
    c.sku = sku;
    c.warehouse = wh;
    c.uom = Str(row, "uom");
    c.source = source;
    c.as_of = taken;
    Decimal to = *q;
    if (!never && prev_q != prev_stock.end() && prev_q->is_string() && taken != TimePoint{} &&
        taken < pos->on_hand_as_of) {
      // The hub's own figure is newer than this snapshot (a receipt or shipment it recorded
      // while the pull was under way): apply what Tryton changed on top of it, not Tryton's
      // figure, which does not have the hub's change yet.
      const Decimal delta = q->Sub(Dec(prev_q->get<std::string>())).value_or(Decimal());
      if (delta.is_zero()) continue;
      c.op = store::InventoryChange::Op::kAdjustOnHand;
      c.quantity = delta;
      to = pos->on_hand.Add(delta).value_or(pos->on_hand);
      ++stale;
    } else {
      if (!never && pos->on_hand == *q) continue;  // the hub already agrees
      c.op = store::InventoryChange::Op::kSetOnHand;
      c.quantity = *q;
    }
    out.stock.push_back(std::move(c));
    Listed(&changed,
           {{"sku", sku},
            {"warehouse", wh},
            {"from", never ? json() : json(pos->on_hand.ToString())},
            {"to", to.ToString()},
            {"erp", q->ToString()}},
           &more);
    ++out.changes;
  }
  if (!out.stock.empty() || stale > 0) {
    json d = {{"count", out.stock.size()}};
    if (!changed.empty()) d["changed"] = changed;
    if (more > 0) d["more"] = more;
    if (stale > 0) d["merged"] = stale;  // applied as Tryton's delta on a newer hub figure
    event("erp.stock.changed", d);
  }
  state["stock"] = stock_state;
  out.state_json = state.dump();
  return out;
}

engine::StepDef MakePullStep(PullStepDeps deps) {
  engine::StepDef def;
  def.name = kPullStep;
  def.retry = deps.retry;
  def.runs_ok = false;  // each snapshot is compared with the one before
  def.run = [deps](const store::QueueItem& item) -> engine::StepResult {
    std::string content_type;
    auto payload = deps.store->GetPayload(item.message_id, &content_type);
    if (!payload.ok()) return engine::StepResult::FromError(payload.error());
    const json snap = json::parse(*payload, nullptr, false);
    const std::string partner = Str(snap, "partner");
    if (partner.empty()) {
      return engine::StepResult::FromError(
          Error(Code::kInvalidArgument, "ERP snapshot " + item.message_id + " names no partner"));
    }
    auto rec = deps.store->GetAggregate(kSnapshotAggregate, partner);
    if (!rec.ok()) return engine::StepResult::FromError(rec.error());
    const std::string prev = rec->has_value() ? (*rec)->state_json : "";
    auto diff = DiffSnapshot(prev, *payload, *deps.index, "tryton pull " + partner);
    if (!diff.ok()) return engine::StepResult::FromError(diff.error());
    store::Completion done;
    std::set<std::string> queued;
    for (auto& c : diff->stock) {
      if (deps.follow_up) {
        for (auto& w : deps.follow_up(c.sku, c.warehouse)) {
          if (queued.insert(w.step + "|" + w.ordering_key).second) {
            w.message_id = item.message_id;
            w.correlation_id = item.correlation_id;
            done.next.push_back(std::move(w));
          }
        }
      }
      done.inventory.push_back(std::move(c));
    }
    for (auto& e : diff->events) {
      e.message_id = item.message_id;
      e.correlation_id = item.correlation_id;
      e.subject = partner;
      e.item_id = item.id;
      done.events.push_back(std::move(e));
    }
    store::AggregateWrite w;
    w.type = kSnapshotAggregate;
    w.id = partner;
    w.expected_version = rec->has_value() ? (*rec)->version : 0;
    w.new_version = w.expected_version + 1;
    w.state_json = diff->state_json;
    w.status = "pulled";
    w.partner_id = partner;
    w.events.push_back({"pulled", json({{"message_id", item.message_id},
                                        {"changes", diff->changes},
                                        {"stock_changes", done.inventory.size()}})
                                      .dump()});
    done.aggregates.push_back(std::move(w));
    // The ERP's stock as of this pull: the inventory sync lag of this source starts again.
    store::BusinessKey k;
    k.kind = "document";
    k.key = Str(snap, "taken_at");
    k.ref_type = "inventory_advice";
    k.ref_id = partner + "/" + k.key;
    k.partner_id = partner;
    done.keys.push_back(std::move(k));
    if (diff->changes > 0) {
      obs::Info("tryton", "pull applied",
                {{"partner", partner},
                 {"message_id", item.message_id},
                 {"changes", diff->changes},
                 {"stock_changes", static_cast<long>(done.inventory.size())}});
    }
    return engine::StepResult::Done(std::move(done));
  };
  return def;
}

Puller::Puller(store::Store& store, Connector& connector, std::string partner_id, Millis interval,
               const Clock& clock)
    : store_(store),
      connector_(connector),
      partner_id_(std::move(partner_id)),
      interval_(interval),
      clock_(clock) {}

Puller::~Puller() { Stop(); }

Result<bool> Puller::PullOnce() {
  const TimePoint now = clock_.Now();
  CD_ASSIGN_OR_RETURN(std::string text, connector_.Pull(FormatIso8601(now)));
  const json snap = json::parse(text, nullptr, false);
  if (!snap.is_object()) return Error(Code::kInternal, "snapshot is not JSON");
  const std::string fp = Fingerprint(snap);
  // An unchanged snapshot is not stored again, except once a minute (or once per interval, when
  // that is longer): it proves the ERP was read, which is what the inventory sync lag measures.
  const Millis heartbeat = std::max(interval_, Millis(60000));
  if (fp == last_hash_ && now - last_stored_ < heartbeat) return false;
  store::NewMessage m;
  m.partner_id = partner_id_;
  m.direction = "in";
  m.kind = kSnapshotKind;
  m.content_type = "application/json";
  m.payload = text;
  m.content_hash = Sha256Hex(text);
  m.correlation_id = NewIdAt(now);
  m.received_at = now;
  store::WorkSpec w;
  w.step = kPullStep;
  w.ordering_key = "erp/" + partner_id_ + "/pull";
  w.payload = "{}";
  store::DedupePolicy policy;
  policy.content_hash_window = Millis(0);  // equal snapshots hours apart are both news
  auto r = store_.AcceptSync(std::move(m), {std::move(w)}, policy);
  if (!r.ok()) return r.error();
  last_hash_ = fp;
  last_stored_ = now;
  return true;
}

void Puller::Start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] {
    std::string last_error;
    while (running_) {
      auto r = PullOnce();
      if (!r.ok()) {
        // Logged once per distinct problem, not on every tick.
        if (r.error().message() != last_error) {
          obs::Warn("tryton", "pull failed; trying again at the next interval",
                    {{"partner", partner_id_}, {"error", r.error().ToString()}});
          last_error = r.error().message();
        }
      } else {
        if (!last_error.empty())
          obs::Info("tryton", "pulls work again", {{"partner", partner_id_}});
        last_error.clear();
      }
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, interval_, [this] { return !running_.load(); });
    }
  });
}

void Puller::Stop() {
  if (!running_.exchange(false)) {
    if (thread_.joinable()) thread_.join();
    return;
  }
  { std::lock_guard<std::mutex> lock(mu_); }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace crossdock::connectors::tryton
