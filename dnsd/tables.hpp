#pragma once
// Answers compiled to wire format at load time (DESIGN.md "Hot paths do no work that can be done earlier").
// The query path finds the entry by name and type, copies the header and question, appends the compiled
// tail, and patches ID, flags and counts. Built beside the running tables and swapped atomically; the rotors
// are all the query path writes.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dnsd/zone.hpp"

namespace pb::dns {

// One ordering of an answer (RRsets with several records rotate: many SIP stacks take the first).
struct Variant {
  std::vector<std::uint8_t> tail;  // answer, authority, additional: the bytes after the question
  std::uint16_t an = 0, ns = 0, ar = 0;
  std::size_t without_additional = 0;  // tail length when the additional section is left out
};

// Where one rotating answer is in its rotation. Each RRset rotates on its own, whatever else is asked in
// between and by whichever worker (a counter shared by all names would give two names asked in turn every
// other value each, so always the same first record). Relaxed: the count orders no other memory. A cache
// line each, so workers answering different names do not contend.
struct alignas(64) Rotor {
  std::atomic<std::uint32_t> next{0};
};

struct Compiled {
  std::uint8_t rcode = 0;
  bool aa = true;
  std::uint32_t rotor = 0;  // Tables::rotors index, when there are several variants
  // Exact entries compress against the question, so they are valid only for a question of this very name
  // (any case). Others (wildcard, NXDOMAIN, referral) use no pointer but 0xC00C, the question itself.
  std::vector<Variant> variants;
  bool empty() const noexcept { return variants.empty(); }
};

struct TypedAnswer {
  std::uint16_t type;
  Compiled answer;
};

struct NodeEntry {
  std::uint32_t zone = 0;
  const Compiled* referral = nullptr;  // at or below a delegation: answer with this instead
  bool cut = false;                    // this very name holds the delegation's NS (DS is answered here)
  std::vector<TypedAnswer> types;      // positive answers (ANY included), or CNAME chases by final type
  Compiled other;                      // NODATA, or for a CNAME node the chase for types not listed
  bool cname = false;
  // When this node is a wildcard "*.<parent>": the same, compiled name-independent for synthesis.
  std::vector<TypedAnswer> wild_types;
  Compiled wild_other;
  bool wildcard = false;

  const Compiled& find(std::uint16_t t, bool wild) const noexcept {
    for (const auto& ta : wild ? wild_types : types)
      if (ta.type == t) return ta.answer;
    return wild ? wild_other : other;
  }
};

struct ZoneEntry {
  std::string apex;
  Compiled nxdomain;
  std::vector<std::vector<std::uint8_t>> axfr;  // whole messages (ID to patch), SOA first and last
  std::uint32_t serial = 0;
};

struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
struct NameEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

struct Tables {
  std::unordered_map<std::string, NodeEntry, NameHash, NameEq> nodes;  // by lower-case wire name
  std::vector<ZoneEntry> zones;
  std::vector<std::unique_ptr<Compiled>> referrals;
  std::uint16_t edns_payload = 1232;
  // One per Compiled with several variants. Written through the pointer by the query path while the tables
  // are shared as const; a reload or health change compiles new tables, whose rotations start again at 0.
  std::unique_ptr<Rotor[]> rotors;
};

struct CompileOptions {
  std::uint16_t edns_payload = 1232;
  std::vector<bool> live;  // per call server (ZoneSet::members); missing entries count as live
  bool only_live = false;
};

std::shared_ptr<const Tables> compile(const ZoneSet& zones, const CompileOptions& options);

}  // namespace pb::dns
