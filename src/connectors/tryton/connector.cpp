#include "connectors/tryton/connector.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <set>

#include "connectors/tryton/jsonrpc.hpp"
#include "core/clock.hpp"
#include "obs/log.hpp"

namespace crossdock::connectors::tryton {

using nlohmann::json;

namespace {

json Dec(const Decimal& d) { return json::parse(DecimalValue(d)); }

Result<json> DateJson(const std::string& iso) {
  CD_ASSIGN_OR_RETURN(std::string s, DateValue(iso));
  return json::parse(s);
}

std::string Today() { return FormatIso8601(Clock::System().Now()).substr(0, 10); }

Decimal Num(const json& v) {
  auto d = NumberFromJson(v.dump());
  return d.ok() ? *d : Decimal();
}

double AsDouble(const Decimal& d) { return std::strtod(d.ToString().c_str(), nullptr); }

Decimal DecText(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key)) return Decimal();
  const json& v = obj[key];
  if (v.is_string()) {
    auto d = Decimal::Parse(v.get<std::string>());
    return d.ok() ? *d : Decimal();
  }
  return Num(v);
}

std::string Str(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

int64_t Id(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_object() && v.contains("id") && v["id"].is_number_integer())
    return v["id"].get<int64_t>();
  return 0;
}

bool Truthy(const json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>() != 0;
  return false;
}

Decimal Sum(const Decimal& a, const Decimal& b) { return a.Add(b).value_or(a); }
Decimal Diff(const Decimal& a, const Decimal& b) { return a.Sub(b).value_or(a); }

Error Refused(const std::string& what) { return Error(Code::kFailedPrecondition, what); }
Error BadBody(const std::string& what) {
  return Error(Code::kInvalidArgument, "ERP posting body: " + what);
}

std::string Describe(const std::string& kind, const std::string& key) {
  return "crossdock " + kind + " " + key;
}

}  // namespace

// The operations, with a parsed-JSON view of the client.
struct Connector::Impl {
  Connector& c;

  // ---- calls ----

  Result<json> Call(const std::string& method, const json& params, const json& extra = nullptr) {
    CD_ASSIGN_OR_RETURN(std::string res,
                        c.client_.Call(method, params.dump(), extra.is_null() ? "" : extra.dump()));
    json v = json::parse(res, nullptr, false);
    if (v.is_discarded()) return Error(Code::kUnavailable, method + ": unreadable result");
    return v;
  }
  Result<json> Model(const std::string& model, const std::string& method, const json& params,
                     const json& extra = nullptr) {
    return Call("model." + model + "." + method, params, extra);
  }
  Result<json> SearchRead(const std::string& model, const json& domain, const json& fields,
                          int limit = 0, const json& order = nullptr, const json& extra = nullptr) {
    CD_ASSIGN_OR_RETURN(
        json v,
        Model(model, "search_read",
              json::array({domain, 0, limit > 0 ? json(limit) : json(), order, fields}), extra));
    if (!v.is_array()) return Error(Code::kUnavailable, model + ".search_read: not a list");
    return v;
  }
  Result<json> Read(const std::string& model, const std::vector<int64_t>& ids, const json& fields,
                    const json& extra = nullptr) {
    if (ids.empty()) return json::array();
    CD_ASSIGN_OR_RETURN(json v, Model(model, "read", json::array({ids, fields}), extra));
    if (!v.is_array()) return Error(Code::kUnavailable, model + ".read: not a list");
    return v;
  }
  Result<int64_t> Create(const std::string& model, const json& values) {
    CD_ASSIGN_OR_RETURN(json v, Model(model, "create", json::array({json::array({values})})));
    if (!v.is_array() || v.empty() || !v[0].is_number_integer()) {
      return Error(Code::kUnavailable, model + ".create: no id returned");
    }
    return v[0].get<int64_t>();
  }
  Status Button(const std::string& model, const std::string& method, int64_t id) {
    return Model(model, method, json::array({json::array({id})})).status();
  }
  Status Write(const std::string& model, const std::vector<int64_t>& ids, const json& values) {
    return Model(model, "write", json::array({ids, values})).status();
  }

  // ---- cached lookups ----

  std::optional<json> Cached(const std::string& key) {
    std::lock_guard<std::mutex> lock(c.cache_mu_);
    auto it = c.cache_.find(key);
    if (it == c.cache_.end()) return std::nullopt;
    return json::parse(it->second);
  }
  void Cache(const std::string& key, const json& v) {
    std::lock_guard<std::mutex> lock(c.cache_mu_);
    c.cache_[key] = v.dump();
  }

  int64_t Company() {
    json ctx = json::parse(c.client_.Context(), nullptr, false);
    return ctx.is_object() ? Id(ctx.value("company", json())) : 0;
  }

  // {id, name, code, uom, purchase_uom, sale_uom, category}
  Result<json> Product(const std::string& sku) {
    const std::string code = c.ProductCode(sku);
    if (auto v = Cached("product:" + code)) return *v;
    CD_ASSIGN_OR_RETURN(
        json rows, SearchRead("product.product", json::array({json::array({"code", "=", code})}),
                              json::array({"code", "name", "default_uom", "template.purchase_uom",
                                           "template.sale_uom", "template.account_category"}),
                              2));
    if (rows.empty()) {
      return Refused("no Tryton product has the code '" + code + "' (hub SKU " + sku +
                     "); create it in Tryton or map the SKU in the ERP partner's xref.items");
    }
    const json& r = rows[0];
    const json t = r.value("template.", json::object());
    json p = {{"id", Id(r["id"])},
              {"name", Str(r, "name")},
              {"code", code},
              {"uom", Id(r.value("default_uom", json()))},
              {"purchase_uom", Id(t.value("purchase_uom", json()))},
              {"sale_uom", Id(t.value("sale_uom", json()))},
              {"category", Id(t.value("account_category", json()))}};
    if (p["purchase_uom"] == 0) p["purchase_uom"] = p["uom"];
    if (p["sale_uom"] == 0) p["sale_uom"] = p["uom"];
    Cache("product:" + code, p);
    return p;
  }

  // {id, name, addresses: [{id, name}]}
  Result<json> Party(const std::string& partner) {
    const std::string code = c.PartyCode(partner);
    if (auto v = Cached("party:" + code)) return *v;
    CD_ASSIGN_OR_RETURN(json rows,
                        SearchRead("party.party", json::array({json::array({"code", "=", code})}),
                                   json::array({"code", "name", "addresses"}), 2));
    if (rows.empty()) {
      return Refused("no Tryton party has the code '" + code + "' (hub partner " + partner +
                     "); create it in Tryton or map it in transport.parties");
    }
    std::vector<int64_t> ids;
    for (const auto& a : rows[0].value("addresses", json::array())) ids.push_back(Id(a));
    CD_ASSIGN_OR_RETURN(json addrs, Read("party.address", ids, json::array({"name"})));
    json out = {
        {"id", Id(rows[0]["id"])}, {"name", Str(rows[0], "name")}, {"addresses", json::array()}};
    std::sort(addrs.begin(), addrs.end(),
              [](const json& a, const json& b) { return Id(a["id"]) < Id(b["id"]); });
    for (const auto& a : addrs)
      out["addresses"].push_back({{"id", Id(a["id"])}, {"name", Str(a, "name")}});
    Cache("party:" + code, out);
    return out;
  }

  // The address named like the hub's ship-to, else the party's first address; 0 when none.
  static int64_t Address(const json& party, const std::string& name) {
    const json& addrs = party["addresses"];
    for (const auto& a : addrs) {
      if (!name.empty() && Str(a, "name") == name) return Id(a["id"]);
    }
    return addrs.empty() ? 0 : Id(addrs[0]["id"]);
  }

  Result<int64_t> Warehouse(const std::string& location) {
    const std::string code = c.WarehouseCode(location);
    if (auto v = Cached("warehouse:" + code)) return v->get<int64_t>();
    CD_ASSIGN_OR_RETURN(json rows, SearchRead("stock.location",
                                              json::array({json::array({"type", "=", "warehouse"}),
                                                           json::array({"code", "=", code})}),
                                              json::array({"code"}), 2));
    if (rows.empty()) {
      return Refused("no Tryton warehouse has the code '" + code + "' (hub location " + location +
                     "); map it in transport.warehouses");
    }
    const int64_t id = Id(rows[0]["id"]);
    Cache("warehouse:" + code, id);
    return id;
  }

  // The first mapped warehouse, for documents that name none.
  Result<int64_t> DefaultWarehouse() {
    if (!c.options_.warehouses.empty()) return Warehouse(c.options_.warehouses[0].id);
    CD_ASSIGN_OR_RETURN(
        json rows,
        SearchRead("stock.location", json::array({json::array({"type", "=", "warehouse"})}),
                   json::array({"code"}), 1, json::array({json::array({"id", "ASC"})})));
    if (rows.empty()) return Refused("Tryton has no warehouse");
    return Id(rows[0]["id"]);
  }

  Result<int64_t> Currency(const std::string& code) {
    const std::string key = "currency:" + code;
    if (auto v = Cached(key)) return v->get<int64_t>();
    int64_t id = 0;
    if (!code.empty()) {
      CD_ASSIGN_OR_RETURN(json rows, SearchRead("currency.currency",
                                                json::array({json::array({"code", "=", code})}),
                                                json::array({"code"}), 1));
      if (!rows.empty()) id = Id(rows[0]["id"]);
    }
    if (id == 0) {  // the company's currency
      CD_ASSIGN_OR_RETURN(json rows,
                          Read("company.company", {Company()}, json::array({"currency"})));
      if (rows.empty()) return Refused("the Tryton user's company cannot be read");
      id = Id(rows[0]["currency"]);
      if (!code.empty()) {
        obs::Warn("tryton", "currency not in Tryton; using the company's",
                  {{"currency", code}, {"partner", c.options_.partner_id}});
      }
    }
    Cache(key, id);
    return id;
  }

  // Receivable or payable account of a party (its own, else the accounting default).
  Result<int64_t> PartyAccount(int64_t party, bool payable) {
    const char* field = payable ? "account_payable" : "account_receivable";
    CD_ASSIGN_OR_RETURN(json rows, Read("party.party", {party}, json::array({field})));
    int64_t id = rows.empty() ? 0 : Id(rows[0].value(field, json()));
    if (id != 0) return id;
    const std::string key = std::string("default:") + field;
    if (auto v = Cached(key)) return v->get<int64_t>();
    const std::string dfield = std::string("default_") + field;
    CD_ASSIGN_OR_RETURN(json cfg, Read("account.configuration", {1}, json::array({dfield})));
    id = cfg.empty() ? 0 : Id(cfg[0].value(dfield, json()));
    if (id == 0) {
      return Refused(std::string("Tryton has no default ") + (payable ? "payable" : "receivable") +
                     " account (accounting is not set up for invoices)");
    }
    Cache(key, id);
    return id;
  }

  Result<int64_t> CategoryAccount(int64_t category, bool expense) {
    const char* field = expense ? "account_expense" : "account_revenue";
    const std::string key = std::string(field) + ":" + std::to_string(category);
    if (auto v = Cached(key)) return v->get<int64_t>();
    int64_t id = 0;
    if (category != 0) {
      CD_ASSIGN_OR_RETURN(json rows, Read("product.category", {category}, json::array({field})));
      id = rows.empty() ? 0 : Id(rows[0].value(field, json()));
    }
    if (id == 0) {
      return Refused(std::string("the product's account category has no ") +
                     (expense ? "expense" : "revenue") + " account in Tryton");
    }
    Cache(key, id);
    return id;
  }

  Result<int64_t> Journal(bool expense) {
    const std::string type = expense ? "expense" : "revenue";
    if (auto v = Cached("journal:" + type)) return v->get<int64_t>();
    CD_ASSIGN_OR_RETURN(
        json rows, SearchRead("account.journal", json::array({json::array({"type", "=", type})}),
                              json::array({"code"}), 1, json::array({json::array({"id", "ASC"})})));
    if (rows.empty()) return Refused("Tryton has no " + type + " journal");
    const int64_t id = Id(rows[0]["id"]);
    Cache("journal:" + type, id);
    return id;
  }

  // The one record with this reference (the oldest if a person made more), or null.
  Result<json> ByReference(const std::string& model, const std::string& ref, const json& fields,
                           const json& more_domain = json::array()) {
    json domain = json::array({json::array({"reference", "=", ref})});
    for (const auto& d : more_domain) domain.push_back(d);
    CD_ASSIGN_OR_RETURN(
        json rows, SearchRead(model, domain, fields, 2, json::array({json::array({"id", "ASC"})})));
    if (rows.empty()) return json();
    if (rows.size() > 1) {
      obs::Warn("tryton", "more than one record carries the hub's reference; using the first",
                {{"model", model}, {"reference", ref}});
    }
    return rows[0];
  }

  Status Finish(PushResult* r, const std::string& model, int64_t id, const json& fields) {
    CD_ASSIGN_OR_RETURN(json rows, Read(model, {id}, fields));
    r->model = model;
    r->id = id;
    if (!rows.empty()) {
      r->state = Str(rows[0], "state");
      r->number = Str(rows[0], "number");
    }
    return Status::Ok();
  }

  // ---- sales and purchases ----

  // Advances a sale or purchase to confirmed (Tryton then processes it: moves, shipments).
  Status Confirm(const std::string& model, int64_t id, const std::string& state,
                 const std::string& what) {
    if (state == "cancelled") {
      return Refused(what + " was cancelled in Tryton (" + model + " " + std::to_string(id) + ")");
    }
    if (state == "draft") CD_RETURN_IF_ERROR(Button(model, "quote", id));
    if (state == "draft" || state == "quotation") CD_RETURN_IF_ERROR(Button(model, "confirm", id));
    // Tryton processes a confirmed record after the confirm commits; trytond killed in between
    // leaves it confirmed with no moves, and the retry that finds it so finishes the job.
    if (state == "confirmed") CD_RETURN_IF_ERROR(Button(model, "process", id));
    return Status::Ok();
  }

  Result<PushResult> PushSale(const json& body, PushResult r) {
    const json so = body.value("sales_order", json());
    if (!so.is_object()) return BadBody("a sales_order posting needs its sales_order");
    const std::string what = "sales order " + r.key;
    CD_ASSIGN_OR_RETURN(json found, ByReference("sale.sale", r.key, json::array({"state"})));
    int64_t id = found.is_null() ? 0 : Id(found["id"]);
    std::string state = found.is_null() ? "" : Str(found, "state");
    if (id == 0) {
      const std::string customer = Str(so, "customer");
      CD_ASSIGN_OR_RETURN(json party, Party(customer));
      const int64_t address = Address(party, Str(so, "ship_to"));
      const std::string wh = Str(so, "warehouse");
      CD_ASSIGN_OR_RETURN(int64_t warehouse, wh.empty() ? DefaultWarehouse() : Warehouse(wh));
      CD_ASSIGN_OR_RETURN(int64_t currency, Currency(Str(so, "currency")));
      json lines = json::array();
      for (const auto& l : so.value("lines", json::array())) {
        const Decimal qty = DecText(l, "quantity");
        if (qty.sign() <= 0) continue;
        CD_ASSIGN_OR_RETURN(json product, Product(Str(l, "sku")));
        lines.push_back({{"type", "line"},
                         {"product", product["id"]},
                         {"quantity", AsDouble(qty)},
                         {"unit", product["sale_uom"]},
                         {"unit_price", Dec(DecText(l, "unit_price"))},
                         {"description", Str(l, "description").empty() ? Str(product, "name")
                                                                       : Str(l, "description")}});
      }
      if (lines.empty()) return Refused(what + " has no open line to post");
      const std::string date = Str(so, "order_date").empty() ? Today() : Str(so, "order_date");
      CD_ASSIGN_OR_RETURN(json sale_date, DateJson(date));
      json values = {{"company", Company()},
                     {"party", party["id"]},
                     {"currency", currency},
                     {"warehouse", warehouse},
                     {"sale_date", sale_date},
                     {"reference", r.key},
                     {"description", Describe("sales_order", r.key)},
                     {"invoice_method", c.options_.invoice_method},
                     {"shipment_method", "order"},
                     {"lines", json::array({json::array({"create", lines})})}};
      if (address != 0) {
        values["invoice_address"] = address;
        values["shipment_address"] = address;
      }
      CD_ASSIGN_OR_RETURN(id, Create("sale.sale", values));
      state = "draft";
      r.created = true;
    }
    CD_RETURN_IF_ERROR(Confirm("sale.sale", id, state, what));
    CD_RETURN_IF_ERROR(Finish(&r, "sale.sale", id, json::array({"state", "number"})));
    r.note = (r.created ? "created " : "found ") + what + " as sale " + r.number;
    return r;
  }

  Result<PushResult> PushPurchase(const json& body, PushResult r) {
    const json po = body.value("purchase_order", json());
    if (!po.is_object()) return BadBody("a purchase_order posting needs its purchase_order");
    const std::string what = "purchase order " + r.key;
    CD_ASSIGN_OR_RETURN(json found,
                        ByReference("purchase.purchase", r.key, json::array({"state"})));
    int64_t id = found.is_null() ? 0 : Id(found["id"]);
    std::string state = found.is_null() ? "" : Str(found, "state");
    if (id == 0) {
      CD_ASSIGN_OR_RETURN(json party, Party(Str(body, "supplier")));
      const int64_t address = Address(party, "");
      CD_ASSIGN_OR_RETURN(int64_t warehouse, Str(body, "warehouse").empty()
                                                 ? DefaultWarehouse()
                                                 : Warehouse(Str(body, "warehouse")));
      CD_ASSIGN_OR_RETURN(int64_t currency, Currency(Str(po, "currency")));
      json lines = json::array();
      for (const auto& l : po.value("lines", json::array())) {
        const json item = l.value("item", json::object());
        const Decimal qty = DecText(l.value("quantity", json::object()), "value");
        if (qty.sign() <= 0) continue;
        CD_ASSIGN_OR_RETURN(json product, Product(Str(item, "sku")));
        const Decimal price = DecText(l.value("unit_price", json::object()), "amount");
        lines.push_back(
            {{"type", "line"},
             {"product", product["id"]},
             {"quantity", AsDouble(qty)},
             {"unit", product["purchase_uom"]},
             {"unit_price", Dec(price)},
             {"description",
              Str(item, "description").empty() ? Str(product, "name") : Str(item, "description")}});
      }
      if (lines.empty()) return Refused(what + " has no line to post");
      const std::string date = Str(po, "order_date").empty() ? Today() : Str(po, "order_date");
      CD_ASSIGN_OR_RETURN(json purchase_date, DateJson(date));
      json values = {{"company", Company()},
                     {"party", party["id"]},
                     {"currency", currency},
                     {"warehouse", warehouse},
                     {"purchase_date", purchase_date},
                     {"reference", r.key},
                     {"description", Describe("purchase_order", r.key)},
                     {"invoice_method", c.options_.invoice_method},
                     {"lines", json::array({json::array({"create", lines})})}};
      if (address != 0) values["invoice_address"] = address;
      CD_ASSIGN_OR_RETURN(id, Create("purchase.purchase", values));
      state = "draft";
      r.created = true;
    }
    CD_RETURN_IF_ERROR(Confirm("purchase.purchase", id, state, what));
    CD_RETURN_IF_ERROR(Finish(&r, "purchase.purchase", id, json::array({"state", "number"})));
    r.note = (r.created ? "created " : "found ") + what + " as purchase " + r.number;
    return r;
  }

  // Quantities per SKU from the state summary's lines.
  static std::map<std::string, Decimal> PerSku(const json& state, const char* field) {
    std::map<std::string, Decimal> out;
    for (const auto& l : state.value("lines", json::array())) {
      const std::string sku = Str(l, "sku");
      if (!sku.empty()) out[sku] = Sum(out[sku], DecText(l, field));
    }
    return out;
  }

  Result<PushResult> PushReceipt(const json& body, PushResult r) {
    const std::string po = Str(body, "po_number");
    CD_ASSIGN_OR_RETURN(json found,
                        ByReference("stock.shipment.in", r.key, json::array({"state"})));
    int64_t id = found.is_null() ? 0 : Id(found["id"]);
    std::string state = found.is_null() ? "" : Str(found, "state");
    if (id == 0) {
      CD_ASSIGN_OR_RETURN(json purchase,
                          ByReference("purchase.purchase", po,
                                      json::array({"state", "moves", "party", "warehouse"})));
      if (purchase.is_null()) {
        return Refused("purchase order " + po + " is not in Tryton, so receipt " + r.key +
                       " cannot be posted against it");
      }
      std::vector<int64_t> move_ids;
      for (const auto& m : purchase.value("moves", json::array())) move_ids.push_back(Id(m));
      CD_ASSIGN_OR_RETURN(
          json moves,
          Read("stock.move", move_ids, json::array({"product", "quantity", "state", "shipment"})));
      std::sort(moves.begin(), moves.end(),
                [](const json& a, const json& b) { return Id(a["id"]) < Id(b["id"]); });
      // What Tryton already has (received or being received) per product, against what the hub
      // has received in all; the difference comes from the PO's open moves.
      std::map<int64_t, Decimal> have;
      for (const auto& m : moves) {
        const std::string st = Str(m, "state");
        if (st == "cancelled") continue;
        if (st == "done" || !m.value("shipment", json()).is_null()) {
          have[Id(m["product"])] = Sum(have[Id(m["product"])], Num(m["quantity"]));
        }
      }
      std::vector<int64_t> take;
      std::vector<std::string> notes;
      for (const auto& [sku, target] : PerSku(body.value("state", json::object()), "received")) {
        CD_ASSIGN_OR_RETURN(json product, Product(sku));
        const int64_t pid = Id(product["id"]);
        Decimal need = Diff(target, have[pid]);
        if (need.sign() <= 0) continue;
        std::vector<const json*> open;
        for (const auto& m : moves) {
          if (Id(m["product"]) == pid && Str(m, "state") == "draft" &&
              m.value("shipment", json()).is_null()) {
            open.push_back(&m);
          }
        }
        if (open.empty()) {
          notes.push_back(sku + ": " + need.ToString() + " more than Tryton expects; not posted");
          continue;
        }
        for (size_t i = 0; i < open.size() && need.sign() > 0; ++i) {
          const json& m = *open[i];
          const Decimal q = Num(m["quantity"]);
          const bool last = i + 1 == open.size();
          if (need < q || (last && need > q)) {
            // Receive exactly what arrived: Tryton recreates a move for what is still due.
            CD_RETURN_IF_ERROR(Write("stock.move", {Id(m["id"])}, {{"quantity", AsDouble(need)}}));
            need = Decimal();
          } else {
            need = Diff(need, q);
          }
          take.push_back(Id(m["id"]));
        }
      }
      if (take.empty()) {
        r.model = "purchase.purchase";
        r.id = Id(purchase["id"]);
        r.state = Str(purchase, "state");
        r.note = "nothing left to receive in Tryton for " + po +
                 (notes.empty() ? "" : " (" + notes[0] + ")");
        return r;
      }
      json values = {{"company", Company()},
                     {"supplier", Id(purchase["party"])},
                     {"warehouse", Id(purchase["warehouse"])},
                     {"reference", r.key},
                     {"incoming_moves", json::array({json::array({"add", take})})}};
      CD_ASSIGN_OR_RETURN(id, Create("stock.shipment.in", values));
      state = "draft";
      r.created = true;
    }
    if (state == "cancelled") return Refused("receipt " + r.key + " was cancelled in Tryton");
    if (state == "draft") CD_RETURN_IF_ERROR(Button("stock.shipment.in", "receive", id));
    if (state == "draft" || state == "received")
      CD_RETURN_IF_ERROR(Button("stock.shipment.in", "done", id));
    CD_RETURN_IF_ERROR(Finish(&r, "stock.shipment.in", id, json::array({"state", "number"})));
    r.note = (r.created ? "received " : "found receipt ") + r.key + " for " + po +
             " as supplier shipment " + r.number;
    return r;
  }

  // ---- invoices ----

  Status PostInvoice(int64_t id, const std::string& state, const std::string& what) {
    if (state == "cancelled") return Refused(what + " was cancelled in Tryton");
    if (state == "draft" || state == "validated")
      CD_RETURN_IF_ERROR(Button("account.invoice", "post", id));
    return Status::Ok();
  }

  // Lines already invoiced in Tryton per origin line ("purchase.line,12").
  Result<std::map<std::string, Decimal>> Invoiced(const std::vector<std::string>& origins) {
    std::map<std::string, Decimal> out;
    if (origins.empty()) return out;
    CD_ASSIGN_OR_RETURN(json rows,
                        SearchRead("account.invoice.line",
                                   json::array({json::array({"origin", "in", origins}),
                                                json::array({"invoice.state", "!=", "cancelled"})}),
                                   json::array({"quantity", "origin"})));
    for (const auto& l : rows)
      out[Str(l, "origin")] = Sum(out[Str(l, "origin")], Num(l["quantity"]));
    return out;
  }

  // A supplier invoice (type in) for a purchase or a customer invoice (type out) for a sale,
  // for what the hub invoiced and Tryton has not yet.
  Result<PushResult> PushInvoice(const json& body, PushResult r, bool purchase_side) {
    const std::string type = purchase_side ? "in" : "out";
    const std::string what = (purchase_side ? "supplier invoice " : "customer invoice ") + r.key;
    CD_ASSIGN_OR_RETURN(json found, ByReference("account.invoice", r.key, json::array({"state"}),
                                                json::array({json::array({"type", "=", type})})));
    if (!found.is_null()) {
      const int64_t id = Id(found["id"]);
      CD_RETURN_IF_ERROR(PostInvoice(id, Str(found, "state"), what));
      CD_RETURN_IF_ERROR(Finish(&r, "account.invoice", id, json::array({"state", "number"})));
      r.note = "found " + what + " as invoice " + r.number;
      return r;
    }
    const std::string model = purchase_side ? "purchase.purchase" : "sale.sale";
    const std::string doc_ref = purchase_side
                                    ? Str(body, "po_number")
                                    : Str(body.value("sales_order", json::object()), "order_id");
    const std::string ref =
        doc_ref.empty() ? Str(body.value("order", json::object()), "order_id") : doc_ref;
    CD_ASSIGN_OR_RETURN(
        json doc, ByReference(model, ref,
                              json::array({"state", "party", "invoice_address", "currency", "lines",
                                           "invoices", "shipments"})));
    if (doc.is_null()) {
      return Refused((purchase_side ? "purchase order " : "sales order ") + ref +
                     " is not in Tryton, so " + what + " cannot be posted against it");
    }
    if (!purchase_side) CD_RETURN_IF_ERROR(ShipSale(body, doc, &r));
    // Tryton made a draft invoice itself (invoice method order or shipment): take it over.
    std::vector<int64_t> inv_ids;
    for (const auto& i : doc.value("invoices", json::array())) inv_ids.push_back(Id(i));
    CD_ASSIGN_OR_RETURN(json invs,
                        Read("account.invoice", inv_ids, json::array({"state", "reference"})));
    for (const auto& inv : invs) {
      if (Str(inv, "state") == "draft" && Str(inv, "reference").empty()) {
        const int64_t id = Id(inv["id"]);
        json values = {{"reference", r.key}, {"description", Describe("invoice", r.key)}};
        if (purchase_side) {
          CD_ASSIGN_OR_RETURN(json d, DateJson(Today()));
          values["invoice_date"] = d;
        }
        CD_RETURN_IF_ERROR(Write("account.invoice", {id}, values));
        CD_RETURN_IF_ERROR(PostInvoice(id, "draft", what));
        CD_RETURN_IF_ERROR(Finish(&r, "account.invoice", id, json::array({"state", "number"})));
        r.created = true;
        r.note = "posted Tryton's own draft as " + what + " (invoice " + r.number + ")";
        return r;
      }
    }
    std::vector<int64_t> line_ids;
    for (const auto& l : doc.value("lines", json::array())) line_ids.push_back(Id(l));
    const std::string line_model = purchase_side ? "purchase.line" : "sale.line";
    CD_ASSIGN_OR_RETURN(
        json lines,
        Read(line_model, line_ids,
             json::array({"product", "quantity", "unit", "unit_price", "description", "type"})));
    std::vector<std::string> origins;
    for (const auto& l : lines) origins.push_back(line_model + "," + std::to_string(Id(l["id"])));
    CD_ASSIGN_OR_RETURN(auto already, Invoiced(origins));
    // The hub's cumulative invoiced quantity (and amount) per SKU.
    const json state = purchase_side ? body.value("state", json::object())
                                     : body.value("sales_order", json::object());
    std::map<std::string, Decimal> target, amount;
    for (const auto& l : state.value("lines", json::array())) {
      const std::string sku = Str(l, "sku");
      target[sku] = Sum(target[sku], DecText(l, "invoiced"));
      amount[sku] = Sum(amount[sku], DecText(l, "invoiced_amount"));
    }
    json inv_lines = json::array();
    for (const auto& [sku, want] : target) {
      if (want.sign() <= 0) continue;
      CD_ASSIGN_OR_RETURN(json product, Product(sku));
      Decimal need = want;
      for (const auto& l : lines) {
        if (Id(l["product"]) != Id(product["id"])) continue;
        need = Diff(need, already[line_model + "," + std::to_string(Id(l["id"]))]);
      }
      if (need.sign() <= 0) continue;
      const json* line = nullptr;
      for (const auto& l : lines) {
        if (Id(l["product"]) == Id(product["id"])) line = &l;
      }
      if (line == nullptr) {
        return Refused(what + ": " + sku + " is not on Tryton's " + model + " " + ref);
      }
      Decimal price = Num((*line)["unit_price"]);
      if (!amount[sku].is_zero()) {
        auto p = amount[sku].Div(want, 4, Rounding::kHalfEven);
        if (p.ok()) price = p->Normalized();
      }
      CD_ASSIGN_OR_RETURN(int64_t account, CategoryAccount(Id(product["category"]), purchase_side));
      inv_lines.push_back({{"type", "line"},
                           {"product", product["id"]},
                           {"quantity", AsDouble(need)},
                           {"unit", Id((*line)["unit"])},
                           {"unit_price", Dec(price)},
                           {"account", account},
                           {"description", Str(*line, "description")},
                           {"origin", line_model + "," + std::to_string(Id((*line)["id"]))}});
    }
    if (inv_lines.empty()) {
      r.model = model;
      r.id = Id(doc["id"]);
      r.state = Str(doc, "state");
      r.note = "nothing left to invoice in Tryton for " + ref;
      return r;
    }
    const int64_t party = Id(doc["party"]);
    CD_ASSIGN_OR_RETURN(int64_t account, PartyAccount(party, purchase_side));
    CD_ASSIGN_OR_RETURN(int64_t journal, Journal(purchase_side));
    CD_ASSIGN_OR_RETURN(json date, DateJson(Today()));
    json values = {{"company", Company()},
                   {"type", type},
                   {"party", party},
                   {"currency", Id(doc["currency"])},
                   {"account", account},
                   {"journal", journal},
                   {"invoice_date", date},
                   {"reference", r.key},
                   {"description", Describe("invoice", r.key)},
                   {"lines", json::array({json::array({"create", inv_lines})})}};
    if (Id(doc["invoice_address"]) != 0) values["invoice_address"] = Id(doc["invoice_address"]);
    CD_ASSIGN_OR_RETURN(int64_t id, Create("account.invoice", values));
    r.created = true;
    CD_RETURN_IF_ERROR(PostInvoice(id, "draft", what));
    CD_RETURN_IF_ERROR(Finish(&r, "account.invoice", id, json::array({"state", "number"})));
    r.note = (r.note.empty() ? "" : r.note + "; ") + "posted " + what + " as invoice " + r.number;
    return r;
  }

  // When the hub's order has shipped in full, Tryton's customer shipments for the sale are done
  // too (assigned, picked, packed, done), so the stock Tryton reports follows what left.
  Status ShipSale(const json& body, const json& sale, PushResult* r) {
    const json so = body.value("sales_order", json::object());
    bool complete = !so.value("lines", json::array()).empty();
    for (const auto& l : so.value("lines", json::array())) {
      complete &= DecText(l, "shipped") >= DecText(l, "quantity");
    }
    std::vector<int64_t> ids;
    for (const auto& s : sale.value("shipments", json::array())) ids.push_back(Id(s));
    CD_ASSIGN_OR_RETURN(json ships, Read("stock.shipment.out", ids, json::array({"state"})));
    int shipped = 0;
    for (const auto& s : ships) {
      const int64_t id = Id(s["id"]);
      std::string st = Str(s, "state");
      if (st == "done" || st == "cancelled") continue;
      if (!complete) {
        r->note = "order shipped in part: its Tryton shipment stays open";
        continue;
      }
      if (st == "draft") CD_RETURN_IF_ERROR(Button("stock.shipment.out", "wait", id));
      if (st == "draft" || st == "waiting") {
        CD_ASSIGN_OR_RETURN(
            json ok, Model("stock.shipment.out", "assign_try", json::array({json::array({id})})));
        if (!Truthy(ok)) {
          r->note = "Tryton could not assign stock to shipment " + std::to_string(id) +
                    "; it stays waiting";
          continue;
        }
        st = "assigned";
      }
      if (st == "assigned") CD_RETURN_IF_ERROR(Button("stock.shipment.out", "pick", id));
      if (st == "assigned" || st == "picked")
        CD_RETURN_IF_ERROR(Button("stock.shipment.out", "pack", id));
      CD_RETURN_IF_ERROR(Button("stock.shipment.out", "done", id));
      ++shipped;
    }
    if (shipped > 0) r->note = "shipped " + std::to_string(shipped) + " Tryton shipment(s)";
    return Status::Ok();
  }

  Result<PushResult> PushCreditMemo(const json& body, PushResult r) {
    const json memo = body.value("credit_memo", json());
    if (!memo.is_object()) return BadBody("a credit_memo posting needs its credit_memo");
    const std::string what = "credit note " + r.key;
    CD_ASSIGN_OR_RETURN(json found, ByReference("account.invoice", r.key, json::array({"state"}),
                                                json::array({json::array({"type", "=", "out"})})));
    int64_t id = found.is_null() ? 0 : Id(found["id"]);
    std::string state = found.is_null() ? "" : Str(found, "state");
    if (id == 0) {
      CD_ASSIGN_OR_RETURN(json party, Party(Str(body, "customer")));
      json lines = json::array();
      for (const auto& l : memo.value("lines", json::array())) {
        const json item = l.value("item", json::object());
        Decimal qty = DecText(l.value("quantity", json::object()), "value").Abs();
        if (qty.is_zero()) continue;
        CD_ASSIGN_OR_RETURN(json product, Product(Str(item, "sku")));
        CD_ASSIGN_OR_RETURN(int64_t account, CategoryAccount(Id(product["category"]), false));
        lines.push_back(
            {{"type", "line"},
             {"product", product["id"]},
             {"quantity", -AsDouble(qty)},
             {"unit", product["sale_uom"]},
             {"unit_price", Dec(DecText(l.value("unit_price", json::object()), "amount").Abs())},
             {"account", account},
             {"description", Str(product, "name")}});
      }
      if (lines.empty()) return Refused(what + " has no line to post");
      CD_ASSIGN_OR_RETURN(int64_t account, PartyAccount(Id(party["id"]), false));
      CD_ASSIGN_OR_RETURN(int64_t journal, Journal(false));
      CD_ASSIGN_OR_RETURN(int64_t currency, Currency(Str(memo, "currency")));
      CD_ASSIGN_OR_RETURN(
          json date,
          DateJson(Str(memo, "invoice_date").empty() ? Today() : Str(memo, "invoice_date")));
      json values = {
          {"company", Company()},
          {"type", "out"},
          {"party", party["id"]},
          {"currency", currency},
          {"account", account},
          {"journal", journal},
          {"invoice_date", date},
          {"reference", r.key},
          {"description", Describe("credit_memo", r.key) + " (return " + Str(body, "rma_id") + ")"},
          {"lines", json::array({json::array({"create", lines})})}};
      const int64_t address = Address(party, "");
      if (address != 0) values["invoice_address"] = address;
      CD_ASSIGN_OR_RETURN(id, Create("account.invoice", values));
      state = "draft";
      r.created = true;
    }
    CD_RETURN_IF_ERROR(PostInvoice(id, state, what));
    CD_RETURN_IF_ERROR(Finish(&r, "account.invoice", id, json::array({"state", "number"})));
    r.note = (r.created ? "posted " : "found ") + what + " as invoice " + r.number;
    return r;
  }

  // ---- pulls ----

  Result<json> Pull(const std::string& taken_at) {
    const json all = {{"active_test", false}};
    json out = {{"partner", c.options_.partner_id}, {"taken_at", taken_at}};
    CD_ASSIGN_OR_RETURN(json whs, SearchRead("stock.location",
                                             json::array({json::array({"type", "=", "warehouse"})}),
                                             json::array({"code", "name", "active"}), 0,
                                             json::array({json::array({"id", "ASC"})})));
    json warehouses = json::array();
    std::vector<std::pair<int64_t, json>> mapped;
    for (const auto& w : whs) {
      const std::string code = Str(w, "code");
      const std::string loc = c.LocationFor(code);
      json row = {{"code", code}, {"name", Str(w, "name")}, {"location", loc}};
      warehouses.push_back(row);
      if (!loc.empty()) mapped.emplace_back(Id(w["id"]), row);
    }
    out["warehouses"] = warehouses;
    CD_ASSIGN_OR_RETURN(json uoms, SearchRead("product.uom", json::array(), json::array({"symbol"}),
                                              0, nullptr, all));
    std::map<int64_t, std::string> uom_symbol;
    for (const auto& u : uoms) uom_symbol[Id(u["id"])] = Str(u, "symbol");
    CD_ASSIGN_OR_RETURN(
        json prods,
        SearchRead("product.product", json::array(),
                   json::array({"code", "name", "active", "type", "list_price", "default_uom"}), 0,
                   json::array({json::array({"id", "ASC"})}), all));
    json items = json::array();
    std::vector<int64_t> goods;
    std::map<int64_t, json> by_id;
    for (const auto& p : prods) {
      const std::string code = Str(p, "code");
      if (code.empty()) continue;  // products without a code cannot be matched to a SKU
      const std::string sku = c.SkuFor(code);
      const std::string symbol = uom_symbol[Id(p.value("default_uom", json()))];
      json row = {{"code", code},
                  {"sku", sku},
                  {"name", Str(p, "name")},
                  {"uom", HubUom(sku, symbol)},
                  {"active", Truthy(p.value("active", json()))},
                  {"type", Str(p, "type")},
                  {"list_price", Num(p.value("list_price", json())).Normalized().ToString()}};
      items.push_back(row);
      by_id[Id(p["id"])] = row;
      if (row["active"].get<bool>() && Str(p, "type") == "goods") goods.push_back(Id(p["id"]));
    }
    out["items"] = items;
    CD_ASSIGN_OR_RETURN(
        json pts, SearchRead("party.party", json::array(), json::array({"code", "name", "active"}),
                             0, json::array({json::array({"id", "ASC"})}), all));
    json parties = json::array();
    for (const auto& p : pts) {
      parties.push_back({{"code", Str(p, "code")},
                         {"partner", c.PartnerFor(Str(p, "code"))},
                         {"name", Str(p, "name")},
                         {"active", Truthy(p.value("active", json()))}});
    }
    out["parties"] = parties;
    json stock = json::array();
    for (const auto& [wid, w] : mapped) {
      // Quantity on hand at the warehouse and every location inside it, as of today.
      CD_ASSIGN_OR_RETURN(json qs,
                          Read("product.product", goods, json::array({"quantity"}),
                               {{"locations", json::array({wid})}, {"with_childs", true}}));
      for (const auto& q : qs) {
        const json& item = by_id[Id(q["id"])];
        stock.push_back({{"sku", item["sku"]},
                         {"code", item["code"]},
                         {"warehouse", w["location"]},
                         {"tryton_warehouse", w["code"]},
                         {"quantity", Num(q.value("quantity", json())).Normalized().ToString()},
                         {"uom", item["uom"]}});
      }
    }
    out["stock"] = stock;
    json docs = json::array();
    for (const std::string model : {"purchase.purchase", "sale.sale"}) {
      CD_ASSIGN_OR_RETURN(
          json rows,
          SearchRead(
              model, json::array({json::array({"description", "like", "crossdock %"})}),
              json::array({"reference", "number", "state", "shipment_state", "invoice_state"}),
              1000, json::array({json::array({"id", "DESC"})})));
      for (const auto& d : rows) {
        docs.push_back({{"model", model},
                        {"reference", Str(d, "reference")},
                        {"number", Str(d, "number")},
                        {"state", Str(d, "state")},
                        {"shipment_state", Str(d, "shipment_state")},
                        {"invoice_state", Str(d, "invoice_state")}});
      }
    }
    out["documents"] = docs;
    return out;
  }

  std::string HubUom(const std::string& sku, const std::string& symbol) const {
    for (const auto& [from, to] : c.options_.uom_aliases) {
      if (from == symbol) return to;
    }
    auto it = c.options_.base_uoms.find(sku);
    if (it != c.options_.base_uoms.end()) return it->second;
    return symbol;
  }
};

Connector::Connector(Client& client, ConnectorOptions options)
    : client_(client), options_(std::move(options)) {}

std::string Connector::ProductCode(const std::string& sku) const {
  for (const auto& x : options_.items) {
    if (x.sku == sku && !x.partner_item_id.empty()) return x.partner_item_id;
  }
  return sku;
}

std::string Connector::SkuFor(const std::string& code) const {
  for (const auto& x : options_.items) {
    if (x.partner_item_id == code && !x.sku.empty()) return x.sku;
  }
  return code;
}

std::string Connector::PartyCode(const std::string& partner) const {
  for (const auto& m : options_.parties) {
    if (m.id == partner) return m.code;
  }
  return partner;
}

std::string Connector::PartnerFor(const std::string& code) const {
  for (const auto& m : options_.parties) {
    if (m.code == code) return m.id;
  }
  return code;
}

std::string Connector::WarehouseCode(const std::string& location) const {
  for (const auto& m : options_.warehouses) {
    if (m.id == location) return m.code;
  }
  return location;
}

std::string Connector::LocationFor(const std::string& code) const {
  for (const auto& m : options_.warehouses) {
    if (m.code == code) return m.id;
  }
  // Unmapped: the same code when no mapping is configured, else not one of the hub's.
  return options_.warehouses.empty() ? code : "";
}

void Connector::ClearCache() {
  std::lock_guard<std::mutex> lock(cache_mu_);
  cache_.clear();
}

Result<PushResult> Connector::Push(std::string_view body_json) {
  json body = json::parse(body_json, nullptr, false);
  if (!body.is_object()) return BadBody("not a JSON object");
  PushResult r;
  r.kind = Str(body, "kind");
  r.key = Str(body, "key");
  if (r.key.empty()) return BadBody("no key");
  Impl impl{*this};
  if (r.kind == "sales_order") return impl.PushSale(body, r);
  if (r.kind == "purchase_order") return impl.PushPurchase(body, r);
  if (r.kind == "receipt") return impl.PushReceipt(body, r);
  if (r.kind == "invoice") return impl.PushInvoice(body, r, body.contains("purchase_order"));
  if (r.kind == "credit_memo") return impl.PushCreditMemo(body, r);
  return Error(Code::kUnsupported, "the Tryton connector does not post '" + r.kind + "' documents");
}

Result<PushResult> Connector::ReadBack(std::string_view kind_sv, std::string_view key_sv) {
  const std::string kind(kind_sv), key(key_sv);
  Impl impl{*this};
  std::string model;
  json more = json::array();
  if (kind == "sales_order") {
    model = "sale.sale";
  } else if (kind == "purchase_order") {
    model = "purchase.purchase";
  } else if (kind == "receipt") {
    model = "stock.shipment.in";
  } else if (kind == "invoice" || kind == "credit_memo") {
    model = "account.invoice";
  } else {
    return Error(Code::kUnsupported, "no Tryton document for '" + kind + "'");
  }
  CD_ASSIGN_OR_RETURN(json found,
                      impl.ByReference(model, key, json::array({"state", "number"}), more));
  if (found.is_null()) return Error(Code::kNotFound, "no " + model + " with reference " + key);
  PushResult r;
  r.kind = kind;
  r.key = key;
  r.model = model;
  r.id = Id(found["id"]);
  r.state = Str(found, "state");
  r.number = Str(found, "number");
  return r;
}

Result<std::string> Connector::Pull(const std::string& taken_at) {
  Impl impl{*this};
  CD_ASSIGN_OR_RETURN(json snap, impl.Pull(taken_at));
  return snap.dump();
}

}  // namespace crossdock::connectors::tryton
