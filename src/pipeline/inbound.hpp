// The inbound pipeline step "decode": an accepted raw message -> canonical documents, business
// exceptions, canonical events and (for X12) the acknowledgment queued back to the partner, all
// committed together with the step.
//
// What it commits for one raw message:
//  - the `message.received.v1` event for destinations that want raw documents;
//  - per canonical document: a derived message (kind canonical, the canonical JSON, lineage
//    raw -> canonical), its exceptions, and either `<type>.received.v1` (subject: the business
//    key) or, when an exception holds it, `business_exception.raised.v1` per exception;
//  - document-level exceptions (unreadable, invalid, unroutable, duplicate interchange);
//  - the X12 acknowledgment as an outbound message (lineage raw -> ack) and its delivery to the
//    partner's transport, when the profile has one;
//  - a claim on each interchange's control number, so a resend is recognised.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "engine/engine.hpp"
#include "model/documents.hpp"
#include "store/store.hpp"

namespace crossdock::pipeline {

inline constexpr const char* kDecodeStep = "decode";

// The destination id deliveries to a partner's own transport use.
std::string PartnerDestination(const std::string& partner_id);

// A hub location named in a document going to `partner` (null: no partner system, e.g. only a
// CloudEvent): the partner's own code for it (its xref.locations), else the hub's id, a code the
// hub assigns (qualifier 92), and the location's name from the catalog. Parties without a hub id
// are left as they are.
void LocationForPartner(const config::Config& cfg, const config::Partner* partner,
                        model::PartyRef* party);

// What the workflows get of each decoded document.
struct DecodedDoc {
  const config::Partner* partner = nullptr;
  std::string type;
  std::string key;
  std::string message_id;  // the canonical message
  std::string json;
  bool held = false;  // an error-severity exception holds it
  std::vector<model::BusinessException> exceptions;
  std::string source;  // "api" for POST /v1/orders, else the format
};
// Hooks later layers add (workflows). Called for every decoded document, held or not; a hook
// decides what a held document means for it (a sales order starts on hold; others wait).
using DocumentHook = std::function<void(const DecodedDoc& doc, store::Completion* out)>;
// Calls each hook in turn.
DocumentHook Hooks(std::vector<DocumentHook> hooks);

engine::StepDef MakeDecodeStep(store::Store& store, const config::Config& cfg, const Clock& clock,
                               DocumentHook hook = {});

// First steps for an accepted inbound document of `partner`. `canonical_type` set: the body is
// already canonical JSON of that type (POST /v1/orders), not the partner's own format.
std::vector<store::WorkSpec> InboundSteps(const std::string& partner,
                                          const std::string& canonical_type = {});

}  // namespace crossdock::pipeline
