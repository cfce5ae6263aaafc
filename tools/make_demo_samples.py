#!/usr/bin/env python3
"""Writes the X12 sample files of examples/demo/samples (our own test data): envelopes with
exact ISA widths and counts. Usage: make_demo_samples.py examples/demo/samples"""
import sys
def isa(sq, sid, rq, rid, date, time, ver, ctrl, usage="P", rep="U", comp=">"):
    return "ISA*00*          *00*          *%s*%-15s*%s*%-15s*%s*%s*%s*%s*%09d*0*%s*%s" % (
        sq, sid, rq, rid, date, time, rep, ver, ctrl, usage, comp)
def build(sq, sid, rq, rid, gs_s, gs_r, fid, gsver, ctrl, sets, isaver="00401", rep="U"):
    segs = [isa(sq, sid, rq, rid, "261123", "0930", isaver, ctrl, rep=rep)]
    segs.append("GS*%s*%s*%s*20261123*0930*%d*X*%s" % (fid, gs_s, gs_r, ctrl, gsver))
    for i, body in enumerate(sets, 1):
        st_ctrl = "%04d" % i
        lines = ["ST*%s*%s" % (body[0], st_ctrl) + ("" if not body[1] else "*" + body[1])] + body[2] 
        lines.append("SE*%d*%s" % (len(lines) + 1, st_ctrl))
        segs += lines
    segs.append("GE*%d*%d" % (len(sets), ctrl))
    segs.append("IEA*1*%09d" % ctrl)
    assert len(segs[0]) == 105, len(segs[0])
    return "~\n".join(segs) + "~\n"

ds = ("ZZ", "DEMOSUPPLIER", "ZZ", "CROSSDOCKHUB", "DEMOSUPPLIER", "CROSSDOCKHUB")
out = {}
out["demo-supplier/855-po-4500012345-partial.x12"] = build(*ds, "PR", "004010", 7001, [("855", "", [
 "BAK*00*AC*4500012345*20261120****SO-77812*20261121",
 "CUR*SE*USD",
 "N1*ST*East distribution center*92*EAST",
 "PO1*1*1000*EA*0.12**BP*SKU-1001*VP*DS-HB840",
 "ACK*IA*600*EA*068*20261201",
 "ACK*IB*400*EA*068*20261215",
 "PO1*2*5000*EA*0.02**BP*SKU-1002*VP*DS-FW8",
 "ACK*IA*5000*EA*068*20261201",
 "CTT*2",
])])
out["demo-supplier/856-asn-SH-55120.x12"] = build(*ds, "SH", "004010", 7002, [("856", "", [
 "BSN*00*SH-55120*20261201*1430*0001",
 "HL*1**S",
 "TD1*PLT94*1****G*410*LB",
 "TD5**2*ABFS*M",
 "REF*BM*BOL-99812",
 "REF*CN*PRO-7781220",
 "DTM*011*20261201",
 "DTM*017*20261203",
 "N1*SF*Demo Supplier Inc.*92*DS-PLANT-1",
 "N1*ST*East distribution center*92*EAST",
 "HL*2*1*O",
 "PRF*4500012345***20261120",
 "HL*3*2*T",
 "MAN*GM*00006141410000000012",
 "HL*4*3*P",
 "MAN*GM*00006141410000000029",
 "HL*5*4*I",
 "LIN*1*BP*SKU-1001*VP*DS-HB840",
 "SN1*1*600*EA",
 "HL*6*3*P",
 "MAN*GM*00006141410000000036",
 "HL*7*6*I",
 "LIN*2*BP*SKU-1002*VP*DS-FW8",
 "SN1*2*5000*EA",
 "CTT*7",
])])
out["demo-supplier/810-invoice-INV-90017.x12"] = build(*ds, "IN", "004010", 7003, [("810", "", [
 "BIG*20261202*INV-90017*20261120*4500012345",
 "CUR*SE*USD",
 "REF*BM*BOL-99812",
 "N1*RI*Demo Supplier Inc.*92*DS-REMIT",
 "N1*ST*East distribution center*92*EAST",
 "ITD*01*3*2**10**30*****2% 10 NET 30",
 "IT1*1*600*EA*0.12**BP*SKU-1001*VP*DS-HB840",
 "IT1*2*5000*EA*0.02**BP*SKU-1002*VP*DS-FW8",
 "TDS*17200",
 "CTT*2",
])])
out["demo-supplier/846-stock-2026-11-23.x12"] = build(*ds, "IB", "004010", 7004, [("846", "", [
 "BIA*00*DD*STK-20261123*20261123*0600",
 "N1*SU*Demo Supplier Inc.*92*DS-PLANT-1",
 "LIN**BP*SKU-1001*VP*DS-HB840",
 "PID*F****Hex bolt M8x40 zinc",
 "QTY*33*25000*EA",
 "LIN**BP*SKU-2001*VP*DS-GLV-L",
 "PID*F****Nitrile gloves L",
 "QTY*33*0*EA",
 "SCH*500*EA***002*20261210",
 "CTT*2",
])])
xc = ("01", "123456789", "ZZ", "CROSSDOCKHUB", "BUILDCO", "CROSSDOCKHUB")
out["x12-customer/850-PO-BC-20417.x12"] = build(*xc, "PO", "005010", 3417, [("850", "", [
 "BEG*00*SA*BC-20417**20261123",
 "CUR*BY*USD",
 "REF*DP*YARD",
 "DTM*002*20261130",
 "N1*BY*BuildCo Contractors*92*BUILDCO",
 "N1*ST*BuildCo yard 1*92*BC-YARD-1",
 "N3*400 Industrial Pkwy",
 "N4*Columbus*OH*43215*US",
 "PO1*1*2*CA*9.00**BP*BC-778812*VP*SKU-1001",
 "PID*F****Hex bolt M8x40 zinc",
 "PO1*2*10*BX*3.00**BP*BC-778813*VP*SKU-1002",
 "PID*F****Flat washer M8",
 "CTT*2",
])], isaver="00501", rep="^")
import os
for k, v in out.items():
    p = os.path.join(sys.argv[1], k)
    with open(p, "w") as f:
        f.write(v)
    print(p, len(v))
