// crossdock: the one binary. Wires configuration, store, engine, transports and the HTTP API.
#include <signal.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "api/auth.hpp"
#include "api/http.hpp"
#include "api/routes.hpp"
#include "config/config.hpp"
#include "connectors/tryton/destination.hpp"
#include "connectors/tryton/pull.hpp"
#include "core/crypto.hpp"
#include "core/strings.hpp"
#include "core/version.hpp"
#include "engine/engine.hpp"
#include "engine/routing.hpp"
#include "inventory/positions.hpp"
#include "mapping/decode.hpp"
#include "model/json.hpp"
#include "obs/log.hpp"
#include "obs/metrics.hpp"
#include "ops/alerts.hpp"
#include "ops/measures.hpp"
#include "pipeline/fulfil.hpp"
#include "pipeline/inbound.hpp"
#include "pipeline/procure.hpp"
#include "pipeline/publish.hpp"
#include "store/store.hpp"
#include "transports/filedrop/filedrop.hpp"
#include "transports/http/webhook.hpp"

#ifdef CROSSDOCK_HAVE_EDI
#include "app/edi_cli.hpp"
#endif

namespace crossdock {
namespace {

namespace fs = std::filesystem;

int CheckConfig(const std::string& path) {
  auto cfg = config::Load(path);
  if (!cfg.ok()) {
    std::cerr << cfg.error().message() << "\n";
    return 1;
  }
  std::cout << path << ": ok (" << cfg->partners.size() << " partners, " << cfg->destinations.size()
            << " destinations, " << cfg->tokens.size() << " tokens)\n";
  return 0;
}

void AddStoreCollector(obs::Registry& reg, store::Store& st) {
  reg.AddCollector([&st](std::string* out) {
    auto s = st.Stats();
    if (!s.ok()) return;
    auto cs = st.GetCommitStats();
    *out += "# HELP crossdock_queue_depth Items waiting or in progress, per queue and state\n";
    *out += "# TYPE crossdock_queue_depth gauge\n";
    *out += "crossdock_queue_depth{queue=\"work\",state=\"waiting\"} " +
            std::to_string(s->work_pending) + "\n";
    *out += "crossdock_queue_depth{queue=\"work\",state=\"in_progress\"} " +
            std::to_string(s->work_leased) + "\n";
    *out += "crossdock_queue_depth{queue=\"delivery\",state=\"waiting\"} " +
            std::to_string(s->deliveries_pending) + "\n";
    *out += "crossdock_queue_depth{queue=\"delivery\",state=\"in_progress\"} " +
            std::to_string(s->deliveries_leased) + "\n";
    *out += "# HELP crossdock_dead_letters_open Dead letters not yet replayed\n";
    *out += "# TYPE crossdock_dead_letters_open gauge\n";
    *out += "crossdock_dead_letters_open " + std::to_string(s->dead_letters_open) + "\n";
    *out += "# HELP crossdock_store_commits_total Store transactions (group commits)\n";
    *out += "# TYPE crossdock_store_commits_total counter\n";
    *out += "crossdock_store_commits_total " + std::to_string(cs.transactions) + "\n";
    *out += "# HELP crossdock_store_operations_total Operations committed by the store\n";
    *out += "# TYPE crossdock_store_operations_total counter\n";
    *out += "crossdock_store_operations_total " + std::to_string(cs.operations) + "\n";
  });
}

int Schema(const std::string& type, const std::string& dir) {
  if (!dir.empty()) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    for (model::DocumentType t : model::AllDocumentTypes()) {
      const fs::path p = fs::path(dir) / (std::string(model::DocumentTypeName(t)) + ".schema.json");
      std::ofstream out(p);
      out << model::JsonSchema(t);
      if (!out) {
        std::cerr << "cannot write " << p.string() << "\n";
        return 1;
      }
    }
    std::cout << "wrote " << model::AllDocumentTypes().size() << " schemas to " << dir << "\n";
    return 0;
  }
  if (type.empty()) {
    for (model::DocumentType t : model::AllDocumentTypes()) {
      std::cout << model::DocumentTypeName(t) << "\n";
    }
    return 0;
  }
  auto t = model::ParseDocumentType(type);
  if (!t) {
    std::cerr << "unknown document type '" << type << "' (crossdock schema lists them)\n";
    return 2;
  }
  std::cout << model::JsonSchema(*t);
  return 0;
}

// Records each partner profile as a new version when it differs from the last one stored, with
// who loaded it and the lines that changed.
void RecordProfiles(store::Store& st, const config::Config& cfg) {
  const char* by_env = std::getenv("CROSSDOCK_CHANGED_BY");
  const char* user = std::getenv("USER");
  const std::string actor =
      by_env && *by_env ? by_env : std::string("config-load:") + (user ? user : "unknown");
  for (const auto& p : cfg.partners) {
    auto prev = st.ListProfileVersions(p.id);
    std::string changes = "{}";
    if (prev.ok() && !prev->empty() && (*prev)[0].content != p.yaml) {
      auto lines = [](const std::string& t) {
        std::vector<std::string> out;
        std::string cur;
        for (char ch : t) {
          if (ch == '\n') {
            out.push_back(cur);
            cur.clear();
          } else {
            cur.push_back(ch);
          }
        }
        if (!cur.empty()) out.push_back(cur);
        return out;
      };
      auto a = lines((*prev)[0].content), b = lines(p.yaml);
      std::multiset<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
      std::string added, removed;
      for (const auto& l : b) {
        if (!sa.count(l)) added += (added.empty() ? "" : ",") + JsonString(l);
      }
      for (const auto& l : a) {
        if (!sb.count(l)) removed += (removed.empty() ? "" : ",") + JsonString(l);
      }
      changes = "{\"added\":[" + added + "],\"removed\":[" + removed + "]}";
    } else if (prev.ok() && prev->empty()) {
      changes = "{\"created\":true}";
    }
    auto v = st.RecordProfileVersion(p.id, p.yaml, actor, changes);
    if (v.ok() && *v > 0) {
      obs::Info("app", "partner profile version recorded",
                {{"partner", p.id}, {"version", static_cast<long long>(*v)}, {"by", actor}});
    }
  }
}

int PartnerCheck(const std::string& config_path, const std::string& partner_id,
                 const std::string& file, std::string content_type) {
  auto cfg = config::Load(config_path);
  if (!cfg.ok()) {
    std::cerr << cfg.error().message() << "\n";
    return 2;
  }
  const config::Partner* partner = cfg->FindPartner(partner_id);
  if (!partner) {
    std::cerr << "no partner '" << partner_id << "' in " << config_path << "\n";
    return 2;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << file << ": cannot read\n";
    return 2;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (content_type.empty()) content_type = transports::ContentTypeForFile(file);
  mapping::DecodeOptions opts;
  opts.message_id = "dry-run";
  int64_t counter = 0;
  opts.next_control = [&counter](const std::string&) -> Result<int64_t> { return ++counter; };
  const std::string iso = FormatIso8601(Clock::System().Now());
  opts.today = iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2);
  opts.now_hhmm = iso.substr(11, 2) + iso.substr(14, 2);
  auto r = mapping::Decode(*cfg, *partner, content_type, ss.str(), opts);
  if (!r.ok()) {
    std::cerr << file << ": unreadable: " << r.error().ToString() << "\n";
    return 2;
  }
  size_t problems = r->exceptions.size();
  for (const auto& d : r->documents) {
    std::cout << "# " << model::DocumentTypeName(d.doc.type) << " " << d.business_key << " ("
              << d.source << ")" << (d.held ? " HELD" : "") << "\n";
    std::cout << model::CanonicalToJson(d.doc, true) << "\n";
    problems += d.exceptions.size();
  }
  std::cerr << mapping::DescribeDecode(*r);
  if (r->documents.empty() && r->exceptions.empty()) {
    std::cerr << "no inbound document route for this format; the hub would pass it on raw\n";
  }
  std::cerr << file << ": " << r->documents.size() << " document(s), " << problems
            << " exception(s)\n";
  return problems == 0 ? 0 : 1;
}

int Serve(const std::string& config_path, const std::string& listen_override,
          const std::string& data_dir) {
  auto loaded = config::Load(config_path);
  if (!loaded.ok()) {
    std::cerr << loaded.error().message() << "\n";
    return 2;
  }
  config::Config cfg = std::move(*loaded);
  if (!listen_override.empty()) cfg.server.listen = listen_override;
  obs::Level level = obs::Level::kInfo;
  obs::ParseLevel(cfg.log.level, &level);
  obs::InitLogging(level, cfg.log.file);

  auto hp = api::ParseListen(cfg.server.listen);
  if (!hp.ok()) {
    std::cerr << hp.error().message() << "\n";
    return 2;
  }
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) {
    std::cerr << "cannot create data directory " << data_dir << ": " << ec.message() << "\n";
    return 2;
  }
  // Relative partner folders live under the data directory.
  for (auto& p : cfg.partners) {
    for (std::string* dir :
         {&p.transport.inbound_dir, &p.transport.outbound_dir, &p.transport.archive_dir}) {
      if (!dir->empty() && fs::path(*dir).is_relative())
        *dir = (fs::path(data_dir) / *dir).string();
    }
  }
  fs::path db_path(cfg.store.path);
  if (db_path.is_relative()) db_path = fs::path(data_dir) / db_path;

  // Signals are taken by sigwait below; block them before any thread starts.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  store::SqliteOptions so;
  so.path = db_path.string();
  so.synchronous_full = cfg.store.synchronous == "full";
  so.max_batch = cfg.store.group_commit_max_batch;
  so.linger_us = cfg.store.group_commit_linger_us;
  so.read_connections = cfg.store.read_connections;
  auto opened = store::OpenSqlite(so);
  if (!opened.ok()) {
    obs::Error("app", "cannot open store", {{"error", opened.error().ToString()}});
    std::cerr << opened.error().ToString() << "\n";
    return 1;
  }
  std::unique_ptr<store::Store> st = std::move(*opened);

  // The inventory index: the committed positions, then every committed change as it happens.
  inventory::Index inventory_index;
  {
    auto inv = st->LoadInventory();
    if (!inv.ok()) {
      std::cerr << "cannot load inventory: " << inv.error().ToString() << "\n";
      return 1;
    }
    inventory_index.Apply(*inv);
  }
  pipeline::AvailabilityPublisher publisher(*st, cfg, inventory_index, Clock::System());
  st->SetInventoryListener(
      [&inventory_index, &publisher](const std::vector<store::InventoryChange>& cs) {
        inventory_index.Apply(cs);
        publisher.OnChanges(cs);
      });
  obs::Registry metrics;
  AddStoreCollector(metrics, *st);
  transports::HttpClient http_client;
  // ERP partners reached over Tryton's JSON-RPC; they outlive the engine that delivers to them.
  std::vector<std::unique_ptr<connectors::tryton::Link>> erp_links;
  for (const auto& p : cfg.partners) {
    if (p.transport.type == "tryton") {
      erp_links.push_back(std::make_unique<connectors::tryton::Link>(cfg, p));
    }
  }
  engine::Engine eng(*st, cfg.engine, metrics);
  eng.RegisterStep(engine::MakeRouteStep(*st, cfg, Clock::System()));
  pipeline::ProcureContext procure{st.get(), &cfg, &Clock::System(), &inventory_index};
  pipeline::FulfilContext fulfil{st.get(), &cfg, &Clock::System(), &inventory_index};
  eng.RegisterStep(pipeline::MakeDecodeStep(
      *st, cfg, Clock::System(),
      pipeline::Hooks({pipeline::MakeProcureHook(procure), pipeline::MakeFulfilHook(fulfil)})));
  eng.RegisterStep(pipeline::MakePoEventStep(procure));
  eng.RegisterStep(pipeline::MakeReplenishStep(procure));
  eng.RegisterStep(pipeline::MakeSoEventStep(fulfil));
  eng.RegisterStep(pipeline::MakePromiseStep(fulfil));
  eng.RegisterStep(pipeline::MakeRmaEventStep(fulfil));
  eng.RegisterStep(pipeline::MakePublishStep(*st, cfg, Clock::System()));
  eng.RegisterStep(ops::MakeAlertStep(*st, cfg, Clock::System()));
  ops::MeasureOptions mopts;
  mopts.refresh = Millis(cfg.engine.measures_refresh_ms);
  ops::Measures measures(*st, cfg, Clock::System(), mopts);
  ops::Alerts alerts(*st, cfg, Clock::System(), measures);
  if (auto s = alerts.Load(); !s.ok()) {
    obs::Warn("app", "firing alerts not loaded", {{"error", s.ToString()}});
  }
  metrics.AddCollector([&measures, &alerts](std::string* out) {
    measures.RenderPrometheus(out);
    alerts.RenderPrometheus(out);
  });
  if (!erp_links.empty()) {
    // ERP stock pulls: a position Tryton changed is set, then replenishment and promises follow.
    connectors::tryton::PullStepDeps pull;
    pull.store = st.get();
    pull.index = &inventory_index;
    pull.retry = cfg.engine.step_retry;
    pull.follow_up = [&cfg, &inventory_index](const std::string& sku, const std::string& wh) {
      std::vector<store::WorkSpec> out;
      if (cfg.FindPolicy(sku, wh)) {
        store::WorkSpec w;
        w.step = pipeline::kReplenishStep;
        w.ordering_key = "inv/" + sku + "/" + wh;
        w.payload = "{\"sku\":" + JsonString(sku) + ",\"warehouse\":" + JsonString(wh) + "}";
        out.push_back(std::move(w));
      }
      for (const auto& pos : inventory_index.ForSku(sku)) {
        if (!pos.backordered.is_zero()) {
          out.push_back(pipeline::PromiseWork(sku));
          break;
        }
      }
      return out;
    };
    eng.RegisterStep(connectors::tryton::MakePullStep(std::move(pull)));
  }
  for (const auto& d : cfg.destinations) {
    eng.AddDestination(d, std::make_unique<transports::WebhookDestination>(d, http_client));
  }
  // Each partner's own transport is a destination too (acknowledgments, outbound documents).
  std::vector<std::unique_ptr<transports::FileDropPoller>> pollers;
  store::DedupePolicy policy;
  policy.idempotency_window =
      Millis(static_cast<int64_t>(cfg.store.idempotency_window_hours) * 3600 * 1000);
  policy.content_hash_window =
      Millis(static_cast<int64_t>(cfg.store.content_hash_window_hours) * 3600 * 1000);
  for (const auto& p : cfg.partners) {
    config::Destination d;
    d.id = pipeline::PartnerDestination(p.id);
    d.events = {};
    d.max_in_flight = p.throttle_max_in_flight > 0 ? p.throttle_max_in_flight : 4;
    d.rate_per_second = p.throttle_rate_per_second;
    d.burst = std::max(1.0, p.throttle_rate_per_second);
    if (p.transport.type == "http") {
      d.url = p.transport.url;
      d.secret = p.transport.secret;
      eng.AddDestination(d, std::make_unique<transports::WebhookDestination>(d, http_client));
    } else if (p.transport.type == "filedrop" && !p.transport.outbound_dir.empty()) {
      eng.AddDestination(
          d, std::make_unique<transports::FileDropDestination>(p.transport.outbound_dir));
    } else if (p.transport.type == "tryton") {
      for (auto& link : erp_links) {
        if (link->partner_id() != p.id) continue;
        d.max_in_flight = p.transport.max_in_flight;
        if (p.throttle_max_in_flight > 0) {
          d.max_in_flight = std::min(d.max_in_flight, p.throttle_max_in_flight);
        }
        // A posting is several calls; its lease must outlast them all.
        d.timeout = Millis(int64_t{p.transport.timeout_ms} * 8);
        if (p.transport.has_retry) d.retry = p.transport.retry;
        eng.AddDestination(d, link->MakeDestination());
      }
    }
    if (p.transport.type == "filedrop" && !p.transport.inbound_dir.empty()) {
      pollers.push_back(std::make_unique<transports::FileDropPoller>(
          *st, p, policy, [](const std::string& id) { return pipeline::InboundSteps(id); }));
    }
  }
  RecordProfiles(*st, cfg);
  st->SetQueueListener([&eng](store::Queue q) { eng.Notify(q); });

  const char* boot = std::getenv("CROSSDOCK_ADMIN_TOKEN");
  api::Authenticator auth(cfg.tokens, boot ? boot : "");
  std::atomic<bool> ready{false};
  api::ApiDeps deps;
  deps.cfg = &cfg;
  deps.store = st.get();
  deps.metrics = &metrics;
  deps.auth = &auth;
  deps.clock = &Clock::System();
  deps.first_steps = [](const std::string& partner) { return pipeline::InboundSteps(partner); };
  deps.inventory = &inventory_index;
  deps.po_event = [](const std::string& po, const std::string& payload) {
    return pipeline::PoEventWork(po, payload);
  };
  deps.so_event = [](const std::string& id, const std::string& payload) {
    return pipeline::SoEventWork(id, payload);
  };
  deps.rma_event = [](const std::string& id, const std::string& payload) {
    return pipeline::RmaEventWork(id, payload);
  };
  deps.canonical_steps = [](const std::string& partner, const std::string& type) {
    return pipeline::InboundSteps(partner, type);
  };
  deps.ready = [&ready] { return ready.load(); };
  deps.measures = &measures;
  deps.alerts = &alerts;
  auto handler = api::MakeApiHandler(deps);

  api::ServerOptions sopts;
  sopts.host = hp->first;
  sopts.port = hp->second;
  sopts.threads = cfg.server.io_threads;
  sopts.max_body_bytes = cfg.server.max_body_bytes;
  sopts.idle_timeout_seconds = cfg.server.idle_timeout_seconds;
  api::Server server(sopts, *handler);
  if (auto s = server.Start(); !s.ok()) {
    obs::Error("app", "cannot start HTTP server", {{"error", s.ToString()}});
    std::cerr << s.ToString() << "\n";
    return 1;
  }
  eng.Start();
  if (!cfg.replenishment.empty()) {
    if (auto s = st->Enqueue(pipeline::ReplenishAll(cfg)); !s.ok()) {
      obs::Warn("app", "initial replenishment check not queued", {{"error", s.ToString()}});
    }
  }
  for (auto& p : pollers) p->Start();
  for (auto& link : erp_links) link->StartPulls(*st);
  publisher.Start();
  measures.Start([&alerts] {
    if (auto s = alerts.Evaluate(); !s.ok()) {
      obs::Warn("app", "alert evaluation failed", {{"error", s.ToString()}});
    }
  });
  ready = true;
  obs::Info("app", "crossdock is serving",
            {{"version", CROSSDOCK_VERSION},
             {"listen", sopts.host + ":" + std::to_string(server.port())},
             {"store", so.path},
             {"partners", static_cast<long>(cfg.partners.size())},
             {"destinations", static_cast<long>(cfg.destinations.size())},
             {"tokens", static_cast<long>(auth.size())}});

  int sig = 0;
  sigwait(&sigs, &sig);
  const Millis grace(static_cast<int64_t>(cfg.engine.shutdown_grace_seconds) * 1000);
  obs::Info("app", "shutting down", {{"signal", sig}});
  ready = false;
  publisher.Stop();
  measures.Stop();
  for (auto& p : pollers) p->Stop();
  server.Stop(grace);
  eng.Shutdown(grace);
  http_client.Stop();  // cancels what is still in flight: those deliveries are given back
  for (auto& link : erp_links) link->Stop();  // the same for ERP postings; pulls stop
  eng.Shutdown(Millis(2000));
  st->Close();
  obs::Info("app", "stopped");
  return 0;
}

}  // namespace
}  // namespace crossdock

int main(int argc, char** argv) {
  using namespace crossdock;
#ifdef CROSSDOCK_HAVE_EDI
  if (argc >= 2 && std::string(argv[1]) == "edi") {
    return EdiMain(argc - 1, argv + 1, std::cout, std::cerr);
  }
#endif
  CLI::App app{"crossdock: an integration hub for distributors"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", std::string("crossdock ") + CROSSDOCK_VERSION);

  std::string config_path, listen, data_dir = "data";
  auto* serve = app.add_subcommand("serve", "Run the hub (HTTP API, workers, deliveries)");
  serve->add_option("--config", config_path, "Configuration file or directory")->required();
  serve->add_option("--listen", listen, "Listen address HOST:PORT (overrides server.listen)");
  serve->add_option("--data", data_dir, "Data directory for the embedded store")
      ->capture_default_str();

  std::string check_path;
  auto* check = app.add_subcommand("check-config", "Validate a configuration and exit");
  check->add_option("PATH", check_path, "Configuration file or directory")->required();

  auto* partner = app.add_subcommand("partner", "Partner onboarding tools");
  partner->require_subcommand(1);
  auto* pcheck = partner->add_subcommand(
      "check",
      "Decode, map and validate FILE as PARTNER would send it (a dry run): the canonical "
      "JSON on stdout, every exception on stderr; exit 0 clean, 1 exceptions, 2 unreadable");
  std::string pc_config, pc_partner, pc_file, pc_type;
  pcheck->add_option("--config", pc_config, "Configuration file or directory")->required();
  pcheck->add_option("PARTNER", pc_partner, "Partner id")->required();
  pcheck->add_option("FILE", pc_file, "The document")->required();
  pcheck->add_option("--content-type", pc_type, "Override the type guessed from the extension");

  auto* token = app.add_subcommand("token", "Create or hash API tokens");
  token->require_subcommand(1);
  auto* tnew = token->add_subcommand("new", "Print a new random token and its SHA-256");
  std::string to_hash;
  auto* thash = token->add_subcommand("hash", "Print the SHA-256 of a token for the config");
  thash->add_option("TOKEN", to_hash, "The token")->required();
  std::string schema_type, schema_dir;
  auto* schema = app.add_subcommand("schema", "Print (or write) the canonical JSON Schemas");
  schema->add_option("TYPE", schema_type, "Document type (purchase_order, invoice, ...)");
  schema->add_option("--write", schema_dir, "Write every schema into this directory");
#ifdef CROSSDOCK_HAVE_EDI
  app.add_subcommand("edi", "X12 tools: parse, validate, ack (see 'crossdock edi --help')")
      ->allow_extras();
#endif

  CLI11_PARSE(app, argc, argv);
  if (*serve) return Serve(config_path, listen, data_dir);
  if (*check) return CheckConfig(check_path);
  if (*schema) return Schema(schema_type, schema_dir);
  if (*pcheck) return PartnerCheck(pc_config, pc_partner, pc_file, pc_type);
  if (*tnew) {
    const std::string t = "cdt_" + HexEncode(RandomBytes(24));
    std::cout << "token:  " << t << "\nsha256: " << Sha256Hex(t) << "\n";
    return 0;
  }
  if (*thash) {
    std::cout << Sha256Hex(to_hash) << "\n";
    return 0;
  }
  std::cout << app.help();
  return 0;
}
