// Configuration: one YAML file, or a directory of them, loaded and validated at start.
//
// Every problem is reported with the file, line and key it concerns ("crossdock.yaml:12:3:
// destinations[0].url: required key missing"); unknown keys are errors, so a typo never passes
// silently. All problems are collected and returned together. Secrets may come from the
// environment (`secret_env: NAME`) so they need not live in the file.
//
// Directory layout: every *.yaml / *.yml file is read in name order; top-level sections are
// merged (lists concatenated, a section given twice is an error), and each file under a
// `partners/` folder holds one partner whose id defaults to the file name.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace crossdock::config {

enum class Role { kAdmin, kOperator, kViewer, kPartner };
std::string_view RoleName(Role r);

struct Token {
  std::string name;
  std::string sha256;  // lowercase hex of the bearer token's SHA-256
  Role role = Role::kViewer;
  std::string partner;  // for role partner: the only partner it may act for
};

struct RetryPolicy {
  int max_attempts = 8;
  Millis initial_backoff{500};
  Millis max_backoff{300'000};
  double multiplier = 2.0;
};

// ---- partner profiles ----

struct X12Profile {
  std::string isa_qualifier;       // the partner's ISA05/ISA07 qualifier
  std::string isa_id;              // the partner's ISA06/ISA08 id (unpadded)
  std::string gs_id;               // the partner's GS02/GS03 id
  std::string version = "004010";  // GS08 for documents the hub writes; ISA12 follows from it
  char element_separator = '*';
  char component_separator = '>';
  char segment_terminator = '~';
  char repetition_separator = '^';
  bool segment_newline = true;    // CR LF after every terminator in what the hub writes
  std::string ack = "auto";       // auto (999 for 005010 senders, else 997), 997, 999, none
  bool ack_accepted_sets = true;  // AK2 loops for accepted sets too
  std::string usage = "P";        // ISA15: P production, T test
};

// How one canonical document type travels with this partner.
struct DocumentRoute {
  std::string type;       // canonical document type: purchase_order, invoice, ...
  std::string direction;  // in (from the partner) or out (to the partner)
  std::string format;     // x12, csv, json
  std::string set;        // X12 transaction set (850, 855, ...)
  std::string version;    // X12 version for this document, overriding x12.version
};

struct ItemXref {
  std::string sku;
  std::string partner_item_id;
  std::string gtin;
};

struct LocationXref {
  std::string code;  // the partner's code (N104, a column, a JSON field)
  std::string id;    // the hub's warehouse or ship-to id
};

struct UomConversionRule {
  std::string from;
  std::string to;
  std::string factor;  // exact decimal text: 1 from = factor to
  std::string sku;     // only for this SKU; empty for every item
};

// Partner-specific item terms: minimum order, pack multiple, contract price.
struct PartnerItem {
  std::string sku;
  std::string moq;            // decimal text, in `uom`
  std::string pack_multiple;  // decimal text, in `uom`
  std::string uom;
  std::string contract_price;  // decimal text
  std::string currency;
};

struct RuleSet {
  std::string name = "standard";
  std::string price_tolerance_percent = "0";  // decimal text; 0 means exact match required
  std::vector<std::string> disabled;          // rule ids switched off for this partner
};

struct CsvMapping {
  std::string type;  // canonical document type
  char delimiter = ',';
  bool header = true;
  std::string group_by;  // canonical header field that starts a new document when it changes
  std::vector<std::pair<std::string, std::string>> columns;    // canonical path -> column
  std::vector<std::pair<std::string, std::string>> constants;  // canonical path -> value
};

struct JsonMapping {
  std::string type;
  std::string inbound;   // jq program: partner JSON -> canonical JSON ("." when absent)
  std::string outbound;  // jq program: canonical JSON -> partner JSON
};

// Partner id <-> an ERP-side code (Tryton party codes, warehouse codes).
struct CodeMapping {
  std::string code;  // the ERP's code
  std::string id;    // the hub's partner or location id
};

struct Transport {
  std::string type = "none";  // none, http, filedrop, tryton (ERP partners only)
  std::string url;           // http: where documents for the partner are POSTed; tryton: the server
  std::string secret;        // http: Standard Webhooks signing secret
  std::string inbound_dir;   // filedrop: where the partner's files appear
  std::string outbound_dir;  // filedrop: where the hub writes files for the partner
  std::string archive_dir;   // filedrop: where accepted inbound files are moved
  int poll_interval_ms = 1000;
  // tryton: a Tryton 6.0 server reached over JSON-RPC (src/connectors/tryton/).
  std::string database;
  std::string user;
  std::string password;      // or password_env
  int pull_interval_ms = 0;  // scheduled master-data and stock pulls; 0: none
  int timeout_ms = 30'000;   // one JSON-RPC call
  int max_in_flight = 2;     // postings processed at once
  std::string invoice_method =
      "manual";  // sales and purchases created in Tryton: manual, order, shipment
  std::vector<CodeMapping> warehouses;  // Tryton warehouse code -> hub location (default: same)
  std::vector<CodeMapping> parties;     // Tryton party code -> hub partner (default: same)
  bool has_retry = false;
  RetryPolicy retry{12, Millis(1000), Millis(600'000), 2.0};  // postings that fail transiently
};

struct Sla {
  int ack_due_hours = 0;  // 0: no acknowledgment clock
  int asn_due_hours = 0;
};

// Three-way match tolerances for a supplier's invoices.
struct MatchTolerance {
  std::string price_tolerance_percent;  // empty: the rules' price tolerance
  std::string quantity_tolerance_percent = "0";
};

struct Partner {
  std::string id;
  std::string name;
  std::string kind;  // supplier, customer, carrier, warehouse, 3pl, planning, channel
  std::vector<std::string> formats;  // x12, csv, json
  int64_t max_body_bytes = 0;        // 0: the server limit
  std::string source;                // file:line where it was defined
  std::string yaml;                  // the profile as loaded (secrets masked), for its history
  bool strategic = false;

  X12Profile x12;
  std::vector<DocumentRoute> documents;
  std::vector<ItemXref> item_xref;
  std::vector<LocationXref> location_xref;
  std::vector<UomConversionRule> uom;
  std::vector<std::pair<std::string, std::string>> uom_aliases;  // partner code -> hub code
  std::vector<PartnerItem> items;
  RuleSet rules;
  std::vector<CsvMapping> csv;
  std::vector<JsonMapping> json;
  Transport transport;
  Sla sla;
  MatchTolerance match;
  std::vector<std::string> warehouse_preference;  // customers: warehouses to promise from first
  // Customers: order fulfilment rules.
  std::string credit_limit;       // decimal text; empty: no credit check
  std::string receivables = "0";  // open invoices the ERP reports, counted against the limit
  bool ship_complete = false;     // ship only when every line can ship
  bool allow_split = true;        // a line may be served from several warehouses
  std::vector<std::pair<std::string, std::string>> substitutions;  // sku -> substitute sku
  std::string default_currency;
  std::string default_ship_to;
  double throttle_rate_per_second = 0;  // 0: unlimited
  int throttle_max_in_flight = 0;       // 0: unlimited

  const DocumentRoute* FindRoute(std::string_view type, std::string_view direction) const;
  const DocumentRoute* FindRouteBySet(std::string_view set, std::string_view direction) const;
  const CsvMapping* FindCsv(std::string_view type) const;
  const JsonMapping* FindJson(std::string_view type) const;
};

// ---- master data the rules check against (until an ERP connector provides it) ----

struct CatalogItem {
  std::string sku;
  std::string description;
  std::string gtin;
  std::string base_uom = "EA";
  bool active = true;
  std::vector<UomConversionRule> conversions;
  std::string moq;
  std::string pack_multiple;
  std::string list_price;
  std::string currency;
};

struct CatalogLocation {
  std::string id;
  std::string kind = "warehouse";  // warehouse, ship_to
  std::string name;
  std::string party;
  bool active = true;
};

// Replenishment policy for one SKU at one warehouse.
struct ReplenishmentPolicy {
  std::string sku;
  std::string warehouse;
  std::string supplier;        // preferred supplier (a partner id)
  std::string demand_per_day;  // decimals, in the item's base unit
  std::string lead_time_days = "0";
  std::string safety_stock = "0";
  std::string order_up_to;
  std::string approval_threshold;  // PO value above which it waits for approval; empty: never
};

// Availability publication to channels.
struct Publication {
  bool enabled = false;
  int interval_ms = 5000;
  std::string threshold_percent = "10";  // a change this large (relative) is material
  std::string low_stock = "10";          // at or below this the bucket is "low"
  std::vector<std::string> channels;     // partners that get an inventory advice
};

struct HubIdentity {
  std::string isa_qualifier = "ZZ";
  std::string isa_id = "CROSSDOCK";
  std::string gs_id = "CROSSDOCK";
};

struct Destination {
  std::string id;
  std::string type = "webhook";
  std::string url;
  std::string secret;                 // Standard Webhooks secret, "whsec_<base64>" or raw
  std::vector<std::string> events;    // event types delivered; "*" for all
  std::vector<std::string> partners;  // only events about these partners; empty for all
  std::map<std::string, std::string> headers;
  int max_in_flight = 8;
  double rate_per_second = 0;  // 0: unlimited
  double burst = 0;            // 0: max(1, rate_per_second)
  Millis timeout{10'000};
  RetryPolicy retry{12, Millis(1000), Millis(600'000), 2.0};
};

// An operations alert: a measure compared with a threshold, per scope, evaluated every few
// seconds; a change between ok and firing is an alert event delivered as a webhook.
struct AlertRule {
  std::string id;
  std::string measure;   // see KnownMeasures()
  std::string op = ">";  // >, >=, <, <=, ==, !=
  double threshold = 0;
  int window_minutes = 60;            // windowed measures: the window they count over
  std::vector<std::string> partners;  // scope; empty: each partner the measure has
  std::string source;                 // inventory_sync_lag_seconds: one source partner
  std::string exception_type;         // exceptions_open, exception_age_seconds
  bool strategic_only = false;        // only partners marked strategic
  std::string severity = "warning";   // info, warning, critical
  std::vector<std::string> notify;    // destination ids; empty: destinations subscribed to
                                      // crossdock.alert.firing.v1 / .resolved.v1
  std::string description;
};
// The measure names alert rules may use.
const std::vector<std::string>& KnownMeasures();

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  int io_threads = 2;
  int64_t max_body_bytes = 10 * 1024 * 1024;
  int idle_timeout_seconds = 60;
};

struct StoreConfig {
  std::string engine = "sqlite";
  std::string path = "crossdock.db";  // relative to the data directory
  std::string synchronous = "full";   // full: durable on power loss; normal: on process crash
  int group_commit_max_batch = 2048;
  int group_commit_linger_us = 0;
  int idempotency_window_hours = 24 * 7;
  int content_hash_window_hours = 24;  // 0 disables content-hash deduplication
  int read_connections = 4;
};

struct EngineConfig {
  int workers = 2;
  int lease_seconds = 60;
  int claim_batch = 64;
  int poll_interval_ms = 200;
  int shutdown_grace_seconds = 20;
  int measures_refresh_ms = 5000;  // operations measures and alert evaluation
  RetryPolicy step_retry{};
};

struct LogConfig {
  std::string level = "info";
  std::string file;  // empty: stderr
};

struct Config {
  ServerConfig server;
  StoreConfig store;
  EngineConfig engine;
  LogConfig log;
  std::vector<Token> tokens;
  std::vector<Partner> partners;
  std::vector<Destination> destinations;
  std::vector<AlertRule> alerts;
  std::vector<CatalogItem> items;
  std::vector<CatalogLocation> locations;
  std::vector<ReplenishmentPolicy> replenishment;
  Publication publication;
  HubIdentity hub;
  std::string source;  // the path given to Load

  const Partner* FindPartner(std::string_view id) const;
  const Destination* FindDestination(std::string_view id) const;
  const CatalogItem* FindItem(std::string_view sku) const;
  const CatalogLocation* FindLocation(std::string_view id) const;
  const ReplenishmentPolicy* FindPolicy(std::string_view sku, std::string_view warehouse) const;
  // The partner of kind erp, if one is configured.
  const Partner* Erp() const;
};

// Loads a file or a directory. The error's message lists every problem, one per line.
Result<Config> Load(const std::string& path);
// Parses YAML text as if it came from `file_name` (for tests and single-file configs).
Result<Config> LoadFromString(const std::string& yaml, const std::string& file_name);

}  // namespace crossdock::config
