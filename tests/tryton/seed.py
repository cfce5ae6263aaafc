#!/usr/bin/env python3
"""Seeds a freshly initialised Tryton 6.0 database with what the crossdock tests use.

Company (USD), a minimal chart of accounts with a fiscal year, periods and invoice sequences (so
invoices can be posted), one account category for goods, products whose codes are the hub's SKUs,
parties whose codes are the hub's partner ids, and opening stock in the warehouse the stock module
creates (code WH). Stdlib only: runs under any python3.

  seed.py --url http://127.0.0.1:PORT/ --database NAME --password PW
"""
import argparse
import datetime
import decimal
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tryton_rpc import Client  # noqa: E402

D = decimal.Decimal

PRODUCTS = [
    # code (= hub SKU), name, list price, cost price
    ("SKU-1001", "Hex bolt M8x40 zinc", D("0.19"), D("0.12")),
    ("SKU-1002", "Flat washer M8", D("0.03"), D("0.01")),
    ("SKU-2001", "Nitrile gloves L (box of 100)", D("11.90"), D("7.00")),
    ("SKU-3002", "Pallet stretch wrap 20in", D("24.00"), D("15.00")),
]
PARTIES = [
    # code (= hub partner id), name, address name (the hub's ship-to id) or None for no address
    ("demo-supplier", "Demo Supplier Inc.", "HQ"),
    ("shopco", "ShopCo", "ST-SHOPCO-01"),
    ("buildco", "BuildCo", "ST-BUILDCO-01"),
    ("nowhere-co", "Nowhere Co (no address)", None),
]
STOCK = {"SKU-1001": 500, "SKU-1002": 12000, "SKU-2001": 300}


def seed(c, year=None):
    t0 = time.time()
    year = year or datetime.date.today().year
    cur = c.create("currency.currency", {"name": "US Dollar", "code": "USD", "symbol": "$",
                                         "rounding": D("0.01"), "digits": 2})[0]
    party = c.create("party.party", {"name": "Crossdock Distribution", "code": "crossdock"})[0]
    company = c.create("company.company", {"party": party, "currency": cur})[0]
    c.model("res.user", "write", [c.uid], {"companies": [["add", [company]]], "company": company})
    c.context = c.call("model.res.user.get_preferences", True, context={})

    # Chart of accounts (the minimal template), default receivable / payable.
    tpl = c.search_read("account.account.template", [["parent", "=", None]], ["name"])
    tpl = [t["id"] for t in tpl if t["name"] == "Minimal Account Chart"][0]
    wid = c.call("wizard.account.create_chart.create")[0]
    c.call("wizard.account.create_chart.execute", wid, {}, "start")
    account = {"company": company, "account_template": tpl}
    c.call("wizard.account.create_chart.execute", wid, {"account": account}, "create_account")

    def acct(name):
        return c.search_read("account.account", [["name", "=", name]], ["id"])[0]["id"]

    c.call("wizard.account.create_chart.execute", wid, {
        "account": account,
        "properties": {"company": company, "account_receivable": acct("Main Receivable"),
                       "account_payable": acct("Main Payable")}}, "create_properties")
    c.call("wizard.account.create_chart.delete", wid)
    # Fiscal years with monthly periods, a move sequence and invoice sequences.
    stypes = {s["name"]: s["id"] for s in c.search_read("ir.sequence.type", [], ["name"])}
    for y in (year, year + 1):
        move_seq = c.create("ir.sequence", {"name": f"Account Move {y}", "company": company,
                                            "sequence_type": stypes["Account Move"]})[0]
        inv_seq = c.create("ir.sequence.strict", {"name": f"Invoice {y}", "company": company,
                                                  "sequence_type": stypes["Invoice"]})[0]
        fy = c.create("account.fiscalyear", {
            "name": str(y), "company": company, "post_move_sequence": move_seq,
            "start_date": datetime.date(y, 1, 1), "end_date": datetime.date(y, 12, 31),
            "invoice_sequences": [["create", [{
                "company": company, "in_invoice_sequence": inv_seq,
                "in_credit_note_sequence": inv_seq, "out_invoice_sequence": inv_seq,
                "out_credit_note_sequence": inv_seq}]]]})[0]
        c.model("account.fiscalyear", "create_period", [fy])
    category = c.create("product.category", {
        "name": "Goods", "accounting": True, "account_revenue": acct("Main Revenue"),
        "account_expense": acct("Main Expense")})[0]

    unit = c.search_read("product.uom", [["symbol", "=", "u"]], ["id"])[0]["id"]
    for code, name, price, cost in PRODUCTS:
        c.create("product.template", {
            "name": name, "code": code, "type": "goods", "default_uom": unit, "list_price": price,
            "salable": True, "sale_uom": unit, "purchasable": True, "purchase_uom": unit,
            "account_category": category, "products": [["create", [{"cost_price": cost}]]]})
    for code, name, address in PARTIES:
        values = {"name": name, "code": code}
        if address:
            values["addresses"] = [["create", [{"name": address, "street": "1 Main St",
                                                 "city": "Springfield", "postal_code": "12345"}]]]
        c.create("party.party", values)

    wh = c.search_read("stock.location", [["type", "=", "warehouse"]], ["storage_location"])[0]
    products = {p["code"]: p["id"] for p in c.search_read("product.product", [], ["code"])}
    inv = c.create("stock.inventory", {
        "location": wh["storage_location"], "company": company,
        "date": datetime.date.today(),
        "lines": [["create", [{"product": products[k], "quantity": float(v)}
                              for k, v in STOCK.items()]]]})[0]
    c.model("stock.inventory", "confirm", [inv])
    return time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--database", required=True)
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", required=True)
    a = ap.parse_args()
    c = Client(a.url, a.database, a.user, a.password).login()
    took = seed(c)
    print(f"seeded {a.database} in {took:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
