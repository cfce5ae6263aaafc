#include "inventory/positions.hpp"

#include <algorithm>
#include <mutex>

namespace crossdock::inventory {
namespace {

Decimal Add(const Decimal& a, const Decimal& b) { return a.Add(b).value_or(a); }

}  // namespace

Decimal Position::OnOrder() const {
  Decimal t;
  for (const auto& s : supply) {
    if (s.kind == "on_order") t = Add(t, s.quantity);
  }
  return t;
}

Decimal Position::InTransit() const {
  Decimal t;
  for (const auto& s : supply) {
    if (s.kind == "in_transit") t = Add(t, s.quantity);
  }
  return t;
}

Decimal Position::AvailableNow() const { return on_hand.Sub(reserved).value_or(on_hand); }

Position* Index::Cell(const std::string& sku, const std::string& warehouse,
                      const std::string& uom) {
  SkuCells& s = skus_[sku];
  for (auto& c : s.cells) {
    if (c.warehouse == warehouse) return &c;
  }
  Position p;
  p.sku = sku;
  p.warehouse = warehouse;
  if (!uom.empty()) p.uom = uom;
  s.cells.push_back(std::move(p));
  return &s.cells.back();
}

void Index::ApplyOne(const Change& c) {
  Position* p = Cell(c.sku, c.warehouse, c.uom);
  switch (c.op) {
    case Change::Op::kSetOnHand:
      p->on_hand = c.quantity;
      p->on_hand_as_of = c.as_of;
      p->on_hand_source = c.source;
      if (!c.uom.empty()) p->uom = c.uom;
      break;
    case Change::Op::kAdjustOnHand:
      p->on_hand = Add(p->on_hand, c.quantity);
      p->on_hand_as_of = std::max(p->on_hand_as_of, c.as_of);
      p->on_hand_source = c.source;
      break;
    case Change::Op::kSetReserved:
      p->reserved = c.quantity;
      p->reserved_as_of = c.as_of;
      break;
    case Change::Op::kAdjustReserved:
      p->reserved = Add(p->reserved, c.quantity);
      p->reserved_as_of = c.as_of;
      break;
    case Change::Op::kAdjustBackordered:
      p->backordered = Add(p->backordered, c.quantity);
      if (p->backordered.is_negative()) p->backordered = Decimal();
      break;
    case Change::Op::kSetSupply: {
      // The entries stay sorted by date ("" last) and, among equal dates, in the order they came
      // in: each new part goes in after the entries of its date, which is where appending it and
      // stable-sorting the whole vector put it, without re-sorting every entry of the position
      // on every change (a SKU with many open POs has many).
      auto& v = p->supply;
      v.erase(
          std::remove_if(v.begin(), v.end(),
                         [&](const SupplyEntry& e) { return e.ref == c.ref && e.kind == c.kind; }),
          v.end());
      const auto by_date = [](const std::string& date, const SupplyEntry& e) {
        if (date.empty() != e.date.empty()) return e.date.empty();
        return date < e.date;
      };
      for (const auto& part : c.parts) {
        if (part.quantity.is_zero()) continue;
        auto at = std::upper_bound(v.begin(), v.end(), part.date, by_date);
        v.insert(at, SupplyEntry{c.kind, c.ref, part.quantity, part.date, c.as_of});
      }
      break;
    }
  }
}

void Index::Apply(const std::vector<Change>& changes) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (const auto& c : changes) ApplyOne(c);
}

std::optional<Position> Index::Get(const std::string& sku, const std::string& warehouse) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = skus_.find(sku);
  if (it == skus_.end()) return std::nullopt;
  for (const auto& c : it->second.cells) {
    if (c.warehouse == warehouse) return c;
  }
  return std::nullopt;
}

std::vector<Position> Index::ForSku(const std::string& sku) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = skus_.find(sku);
  if (it == skus_.end()) return {};
  return it->second.cells;
}

size_t Index::size() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [k, v] : skus_) n += v.cells.size();
  return n;
}

WarehouseAtp Index::Compute(const Position& p, const Decimal& quantity, const std::string& today) {
  WarehouseAtp w;
  w.position = p;
  w.future.reserve(p.supply.size());
  w.available_now = p.AvailableNow();
  Decimal running = w.available_now;
  if (running >= quantity) w.promise_date = today;
  // Future supply serves existing backorders first.
  Decimal owed = p.backordered;
  for (const auto& s : p.supply) {
    if (s.date.empty()) continue;  // supply without a date cannot be promised
    const std::string& date = s.date < today ? today : s.date;
    Decimal q = s.quantity;
    if (!owed.is_zero()) {
      const Decimal take = owed < q ? owed : q;
      owed = owed.Sub(take).value_or(owed);
      q = q.Sub(take).value_or(q);
    }
    running = Add(running, q);
    if (!w.future.empty() && w.future.back().date == date) {
      w.future.back().quantity = Add(w.future.back().quantity, q);
      w.future.back().cumulative = running;
    } else {
      w.future.push_back(FutureBucket{date, q, running});
    }
    if (!w.promise_date && running >= quantity) w.promise_date = date;
  }
  return w;
}

AtpAnswer Index::Atp(const std::string& sku, const Decimal& quantity, const std::string& today,
                     const std::vector<std::string>& preference) const {
  AtpAnswer a;
  a.sku = sku;
  a.quantity = quantity;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = skus_.find(sku);
    if (it != skus_.end()) {
      a.warehouses.reserve(it->second.cells.size());
      for (const auto& c : it->second.cells) a.warehouses.push_back(Compute(c, quantity, today));
    }
  }
  // Preferred warehouses first; among equals, the earliest promise, then the warehouse id. A
  // stable sort of indices (a SKU is stocked in a few warehouses: insertion sort), then one move
  // of each answer into its place.
  const size_t n = a.warehouses.size();
  std::vector<size_t> rank(n), order(n);
  for (size_t i = 0; i < n; ++i) {
    const auto p =
        std::find(preference.begin(), preference.end(), a.warehouses[i].position.warehouse);
    rank[i] = static_cast<size_t>(p - preference.begin());  // preference.size() when absent
    order[i] = i;
  }
  const auto before = [&](size_t i, size_t j) {
    const WarehouseAtp& x = a.warehouses[i];
    const WarehouseAtp& y = a.warehouses[j];
    if (rank[i] != rank[j]) return rank[i] < rank[j];
    if (x.promise_date.has_value() != y.promise_date.has_value()) {
      return x.promise_date.has_value();
    }
    if (x.promise_date && *x.promise_date != *y.promise_date) {
      return *x.promise_date < *y.promise_date;
    }
    return x.position.warehouse < y.position.warehouse;
  };
  if (n <= 32) {
    for (size_t i = 1; i < n; ++i) {
      const size_t v = order[i];
      size_t k = i;
      for (; k > 0 && before(v, order[k - 1]); --k) order[k] = order[k - 1];
      order[k] = v;
    }
  } else {
    std::stable_sort(order.begin(), order.end(), before);
  }
  bool moved = false;
  for (size_t i = 0; i < n && !moved; ++i) moved = order[i] != i;
  if (moved) {
    std::vector<WarehouseAtp> sorted;
    sorted.reserve(n);
    for (size_t i : order) sorted.push_back(std::move(a.warehouses[i]));
    a.warehouses = std::move(sorted);
  }
  // The promise: the earliest date any warehouse covers the whole quantity; on a tie the
  // preferred one.
  for (const auto& w : a.warehouses) {
    if (!w.promise_date) continue;
    if (!a.promise_date || *w.promise_date < *a.promise_date) {
      a.promise_date = w.promise_date;
      a.promise_warehouse = w.position.warehouse;
    }
  }
  return a;
}

}  // namespace crossdock::inventory
