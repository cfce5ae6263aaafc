// The returns workflow (RMA): a pure state machine.
//
// requested -> authorised (automatically when every line was shipped to the customer, else by an
// operator) | rejected -> received (the warehouse's receipt of the goods) -> credited (a credit
// memo for what came back in resaleable or agreed condition, posted to the ERP and sent to the
// customer) -> closed. Every transition emits `return.<what>.v1`.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "core/decimal.hpp"
#include "core/result.hpp"
#include "model/documents.hpp"

namespace crossdock::workflows {

struct RmaLine {
  std::string line_number;
  std::string sku;
  Decimal requested;
  Decimal received;
  std::string uom = "EA";
  Decimal credit_unit_price;
  std::string reason;
  std::string condition;
};

struct ReturnState {
  std::string rma_id;  // <customer>/<rma_number>
  std::string rma_number;
  std::string customer;
  std::string order_reference;
  std::string warehouse;
  std::string state = "requested";
  std::string currency = "USD";
  std::string decided_by;
  std::string note;
  std::vector<RmaLine> lines;
  std::string credit_memo;
  Decimal credit_total;
  int64_t version = 0;
};

struct RmaRequested {
  model::ReturnAuthorization rma;
  std::string customer;
  std::string warehouse;
  bool auto_authorise = false;  // every line was shipped to this customer
  std::string currency = "USD";
};
struct RmaDecided {
  bool authorise = true;
  std::string by;
  std::string note;
};
struct RmaReceived {
  model::Receipt receipt;
};
using RmaEvent = std::variant<RmaRequested, RmaDecided, RmaReceived>;

struct RmaEmit {
  std::string type;  // return.<what>.v1
};
struct RmaRestock {
  std::string sku, warehouse, uom;
  Decimal quantity;
};
struct RmaCreditMemo {
  model::Invoice memo;  // invoice_type credit_memo
};
struct RmaNotifyCustomer {};
using RmaCommand = std::variant<RmaEmit, RmaRestock, RmaCreditMemo, RmaNotifyCustomer>;

struct RmaTransition {
  ReturnState state;
  std::vector<RmaCommand> commands;
};

Result<RmaTransition> Apply(const ReturnState& state, const RmaEvent& event,
                            const std::string& today);
std::string ToJson(const ReturnState& s);
Result<ReturnState> ReturnStateFromJson(std::string_view json);

}  // namespace crossdock::workflows
