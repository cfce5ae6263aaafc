// Seeds a hub store with a day of realistic traffic for the operations benchmark
// (bench/ops/run.sh): N inbound messages from 20 suppliers, 10 customers, a 3PL and an ERP,
// each decoded into a canonical document with its business keys and events, purchase orders
// created and acknowledged later, sales orders received and accepted, exceptions (1 in 40) and
// dead letters (1 in 1,000), spread over the last 24 hours. It writes through the Store
// interface, the way the pipeline does, so every index the API relies on is the real one.
//
//   bench_ops_seed --db DIR/crossdock.db [--messages 100000]
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "store/store.hpp"

using namespace crossdock;

namespace {

struct Planned {
  std::string partner;
  int index = 0;
};

std::string PartnerOf(int i) {
  const int r = i % 10;
  if (r < 4) return "sup-" + std::to_string(i % 20);
  if (r < 8) return "cust-" + std::to_string(i % 10);
  if (r < 9) return "wh";
  return "erp";
}

std::string Pad(int v, int w) {
  std::string s = std::to_string(v);
  return std::string(s.size() < size_t(w) ? w - s.size() : 0, '0') + s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db;
  int n = 100'000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--db") && i + 1 < argc)
      db = argv[++i];
    else if (!std::strcmp(argv[i], "--messages") && i + 1 < argc)
      n = std::atoi(argv[++i]);
  }
  if (db.empty() || n <= 0) {
    std::fprintf(stderr, "usage: bench_ops_seed --db FILE [--messages N]\n");
    return 2;
  }
  // The day ends now: message i arrives at start + i * step.
  const TimePoint end = Clock::System().Now();
  const int64_t step_ms = 86'400'000LL / n;
  ManualClock clock(end - Millis(86'400'000));
  store::SqliteOptions o;
  o.path = db;
  o.clock = &clock;
  o.synchronous_full = false;
  auto opened = store::OpenSqlite(o);
  if (!opened.ok()) {
    std::fprintf(stderr, "seed: %s\n", opened.error().ToString().c_str());
    return 1;
  }
  auto& st = **opened;
  static const char* kExceptionTypes[] = {"price_out_of_tolerance", "unknown_item",
                                          "partial_confirmation", "receipt_variance"};
  const int batch = 500;
  int done = 0;
  std::mutex mu;
  std::condition_variable cv;
  int accepted = 0;
  std::string failure;
  while (done < n) {
    const int count = std::min(batch, n - done);
    // Accept the batch's raw messages, each with its decode step.
    for (int k = 0; k < count; ++k) {
      const int i = done + k;
      clock.Set(end - Millis(86'400'000) + Millis(int64_t{i} * step_ms));
      store::NewMessage m;
      m.partner_id = PartnerOf(i);
      m.content_type =
          m.partner_id.rfind("sup-", 0) == 0 ? "application/edi-x12" : "application/json";
      m.payload = "ISA*00*...*" + std::to_string(i) +
                  "~ a document of about two hundred bytes, "
                  "padded to look like one: PO1*1*100*EA*1.00**BP*SKU-" +
                  std::to_string(i % 500) + "~";
      m.content_hash = Sha256Hex(m.payload);
      m.correlation_id = NewIdAt(clock.Now());
      m.received_at = clock.Now();
      store::WorkSpec w;
      w.step = "decode";
      w.ordering_key = "in/" + std::to_string(i);
      st.Accept(std::move(m), {w}, {}, [&](Result<store::AcceptOutcome> a) {
        std::lock_guard<std::mutex> l(mu);
        if (!a.ok() && failure.empty()) failure = a.error().ToString();
        ++accepted;
        cv.notify_all();
      });
    }
    {
      // Accepts group-commit together; wait for the whole batch.
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return accepted == done + count; });
      if (!failure.empty()) {
        std::fprintf(stderr, "seed: accept: %s\n", failure.c_str());
        return 1;
      }
    }
    // Decode them: claim the batch and finish it in one transaction.
    store::ClaimRequest r;
    r.owner = "seed-" + std::to_string(done);
    r.limit = count;
    r.now = clock.Now();
    auto items = st.Claim(r);
    if (!items.ok()) {
      std::fprintf(stderr, "seed: claim: %s\n", items.error().ToString().c_str());
      return 1;
    }
    std::vector<store::Store::ItemResult> results;
    for (const auto& it : *items) {
      const int i = std::atoi(it.ordering_key.c_str() + 3);
      const std::string partner = PartnerOf(i);
      store::Store::ItemResult res;
      res.item = it;
      if (i % 1000 == 999) {
        res.kind = store::Store::ItemResult::Kind::kDeadLetter;
        res.reason = "seeded failure";
        res.error.code = "invalid_argument";
        res.error.message = "document " + std::to_string(i) + " could not be decoded";
        results.push_back(std::move(res));
        continue;
      }
      res.kind = store::Store::ItemResult::Kind::kComplete;
      store::Completion& c = res.completion;
      const bool supplier = partner.rfind("sup-", 0) == 0;
      const bool customer = partner.rfind("cust-", 0) == 0;
      const std::string type = supplier          ? "purchase_order_ack"
                               : customer        ? "sales_order"
                               : partner == "wh" ? "shipment"
                                                 : "inventory_advice";
      const std::string key = (supplier          ? "PO-"
                               : customer        ? "SO-"
                               : partner == "wh" ? "ASN-"
                                                 : "SNAP-") +
                              Pad(i, 6);
      store::NewMessage cm;
      cm.id = NewIdAt(clock.Now());
      cm.partner_id = partner;
      cm.direction = "internal";
      cm.kind = "canonical";
      cm.content_type = "application/json";
      cm.payload = "{\"key\":\"" + key + "\"}";
      cm.content_hash = Sha256Hex(cm.payload);
      cm.correlation_id = it.correlation_id;
      c.lineage.push_back({it.message_id, cm.id, "decoded"});
      c.keys.push_back({"document", key, type, key, cm.id, {}});
      c.keys.push_back({"sku", "SKU-" + std::to_string(i % 500), type, key, cm.id, {}});
      if (supplier) c.keys.push_back({"interchange", Pad(i, 9), "interchange", Pad(i, 9), {}, {}});
      store::EventRecord ev;
      ev.type = "document.decoded";
      ev.subject = type;
      ev.item_id = cm.id;
      ev.detail_json =
          "{\"type\":\"" + type + "\",\"key\":\"" + key + "\",\"partner\":\"" + partner + "\"" +
          (type == "shipment" ? (i % 7 ? ",\"gaps\":[]" : ",\"gaps\":[\"tracking\"]") : "") + "}";
      c.events.push_back(ev);
      if (i % 40 == 7) {
        store::ExceptionRecord x;
        x.type = kExceptionTypes[(i / 40) % 4];
        x.document_type = type;
        x.document_id = key;
        x.message_id = cm.id;
        x.rule = "seeded rule";
        x.message = "seeded exception on " + key;
        c.exceptions.push_back(x);
      }
      // Purchase orders: every other round of a supplier creates one; the next round (the same
      // supplier, 20 messages later) acknowledges it.
      if (supplier && (i / 20) % 2 == 0) {
        store::AggregateWrite a;
        a.type = "purchase_order";
        a.id = key;
        a.new_version = 1;
        a.status = "sent";
        a.partner_id = partner;
        a.state_json = "{\"po_number\":\"" + key + "\",\"supplier\":\"" + partner + "\"}";
        a.events = {{"purchase_order.created.v1", "{}"}, {"purchase_order.sent.v1", "{}"}};
        c.aggregates.push_back(a);
      } else if (supplier && i >= 20) {
        store::AggregateWrite a;
        a.type = "purchase_order";
        a.id = "PO-" + Pad(i - 20, 6);
        a.expected_version = 1;
        a.new_version = 2;
        a.status = "acknowledged";
        a.partner_id = partner;
        a.state_json = "{\"po_number\":\"" + a.id + "\",\"supplier\":\"" + partner + "\"}";
        a.events = {{"purchase_order.acknowledged.v1", "{}"}};
        c.aggregates.push_back(a);
      }
      if (customer) {
        store::AggregateWrite a;
        a.type = "sales_order";
        a.id = partner + "/" + key;
        a.new_version = 1;
        a.status = i % 25 == 3 ? "on_hold" : "accepted";
        a.partner_id = partner;
        a.state_json = "{}";
        a.events = {{"sales_order.received.v1", "{}"},
                    {i % 25 == 3 ? "sales_order.on_hold.v1" : "sales_order.accepted.v1", "{}"}};
        c.aggregates.push_back(a);
      }
      c.messages.push_back(std::move(cm));
      c.duration_ms = 2 + i % 9;
      results.push_back(std::move(res));
    }
    for (const auto& s : st.Finish(std::move(results))) {
      if (!s.ok()) {
        std::fprintf(stderr, "seed: finish: %s\n", s.ToString().c_str());
        return 1;
      }
    }
    done += count;
    if (done % 10'000 == 0) std::fprintf(stderr, "seed: %d messages\n", done);
  }
  st.Close();
  std::printf("{\"messages\":%d}\n", n);
  return 0;
}
