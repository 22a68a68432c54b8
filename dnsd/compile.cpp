// ZoneSet -> Tables: every answer the zones can give, in wire form, per name and type and rotation.
#include <algorithm>
#include <numeric>

#include "dnsd/name.hpp"
#include "dnsd/tables.hpp"

namespace pb::dns {
namespace {

constexpr std::size_t kMaxVariants = 60;   // any mix of groups of up to 5 records rotates evenly
constexpr std::size_t kMaxChain = 8;       // CNAME hops followed inside our zones
constexpr std::size_t kAxfrChunk = 16000;  // bytes of answer per AXFR message

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v));
}

// Length of the uncompressed name at the start of `bytes` (zone data is trusted: built and checked by us).
std::size_t name_length(std::span<const std::uint8_t> bytes, std::size_t at) {
  std::size_t p = at;
  while (p < bytes.size() && bytes[p] != 0) p += bytes[p] + 1u;
  return std::min(p + 1, bytes.size()) - at;
}

std::string name_at(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  const std::size_t len = name_length(bytes, at);
  return lowercase(std::string(reinterpret_cast<const char*>(bytes.data() + at), len));
}

// Writes one message's sections. Exact writers know the question (at offset 12) and compress against it and
// everything written; name-independent writers (`exact` false) write names in full, and only `owner_alias`
// (the wildcard) becomes 0xC00C, a pointer to whatever name the question holds.
class Writer {
 public:
  Writer(bool exact, std::string question)
      : exact_(exact), question_(std::move(question)), comp_(exact ? 12 + question_.size() + 4 : 0) {
    if (exact_) comp_.remember(question_, 12);
  }

  void rr(const std::string& owner, std::uint16_t t, std::uint32_t ttl, const std::vector<std::uint8_t>& rd) {
    owner_name(owner);
    put16(out, t);
    put16(out, kClassIn);
    put32(out, ttl);
    const std::size_t len_at = out.size();
    put16(out, 0);
    const std::size_t start = out.size();
    switch (t) {
      case type::NS:
      case type::CNAME:
      case type::PTR: name(name_at(rd, 0), true); break;
      case type::MX:
        out.insert(out.end(), rd.begin(), rd.begin() + 2);
        name(name_at(rd, 2), true);
        break;
      case type::SOA: {
        const std::size_t m = name_length(rd, 0);
        const std::size_t r = name_length(rd, m);
        name(name_at(rd, 0), true);
        name(name_at(rd, m), true);
        out.insert(out.end(), rd.begin() + static_cast<std::ptrdiff_t>(m + r), rd.end());
        break;
      }
      default:  // SRV and NAPTR targets must not be compressed (RFC 2782, RFC 3403); the rest has no names
        out.insert(out.end(), rd.begin(), rd.end());
    }
    const std::size_t len = out.size() - start;
    out[len_at] = static_cast<std::uint8_t>(len >> 8);
    out[len_at + 1] = static_cast<std::uint8_t>(len);
  }

  std::vector<std::uint8_t> out;

 private:
  void owner_name(const std::string& n) {
    if (n == question_) {
      out.push_back(0xC0);
      out.push_back(0x0C);
      return;
    }
    name(n, true);
  }
  void name(const std::string& n, bool compress) {
    if (exact_) {
      comp_.write(out, n, compress);
    } else {
      out.insert(out.end(), n.begin(), n.end());
    }
  }

  bool exact_;
  std::string question_;
  Compressor comp_;
};

struct Record {
  std::string owner;
  std::uint16_t type;
  std::uint32_t ttl;
  const std::vector<std::uint8_t>* rdata;
};

// What a name resolves to inside our zones, at load time.
struct Found {
  const Zone* zone = nullptr;
  const Node* node = nullptr;  // exact or wildcard node
  bool nxdomain = false;
};

class Compiler {
 public:
  Compiler(const ZoneSet& zs, const CompileOptions& o) : zs_(zs), o_(o) {}

  std::shared_ptr<const Tables> run() {
    auto t = std::make_shared<Tables>();
    t->edns_payload = o_.edns_payload;
    for (std::uint32_t zi = 0; zi < zs_.zones.size(); ++zi) {
      const Zone& z = zs_.zones[zi];
      ZoneEntry ze;
      ze.apex = z.apex;
      ze.nxdomain = negative(z, 3, "", false);
      if (const RrSet* soa = z.soa(); soa && !soa->rdata.empty()) {
        const auto& rd = soa->rdata[0].bytes;
        const std::size_t at = rd.size() - 20;
        ze.serial = (std::uint32_t{rd[at]} << 24) | (std::uint32_t{rd[at + 1]} << 16) |
                    (std::uint32_t{rd[at + 2]} << 8) | rd[at + 3];
      }
      ze.axfr = axfr(z);
      t->zones.push_back(std::move(ze));
      for (const auto& [name, node] : z.nodes) {
        // A deeper zone owns its apex; the parent's copy of that name is only its delegation.
        if (zs_.zone_for(name) != &z) continue;
        NodeEntry e;
        e.zone = zi;
        if (const Node* d = delegation(z, name)) {
          t->referrals.push_back(std::make_unique<Compiled>(referral(z, *d)));
          e.referral = t->referrals.back().get();
          e.cut = d == &node;
        }
        fill(z, node, name, false, e.types, e.other, e.cname);
        if (name.size() > 2 && name[0] == 1 && name[1] == '*') {
          e.wildcard = true;
          bool unused = false;
          fill(z, node, name, true, e.wild_types, e.wild_other, unused);
        }
        t->nodes.emplace(name, std::move(e));
      }
    }
    t->rotors = std::make_unique<Rotor[]>(rotors_);
    return t;
  }

 private:
  bool live(int member) const {
    return member < 0 || static_cast<std::size_t>(member) >= o_.live.size() ||
           o_.live[static_cast<std::size_t>(member)];
  }

  // The groups an RRset is answered in, in order: health first (live members, then the rest unless
  // only_live), each part sorted by SRV priority and cut into groups of equal priority (for other types the
  // whole part is one group). Each group rotates on its own.
  std::vector<std::vector<const Rdata*>> groups(const RrSet& s) const {
    std::vector<const Rdata*> up, down;
    for (const auto& r : s.rdata) (live(r.member) ? up : down).push_back(&r);
    if (up.empty()) {
      up.swap(down);  // every member down: answer with all of them rather than nothing
    } else if (o_.only_live) {
      down.clear();
    }
    std::vector<std::vector<const Rdata*>> out;
    for (auto* part : {&up, &down}) {
      auto& v = *part;
      if (s.type == type::SRV)
        std::stable_sort(v.begin(), v.end(), [](const Rdata* a, const Rdata* b) {
          return (a->bytes[0] << 8 | a->bytes[1]) < (b->bytes[0] << 8 | b->bytes[1]);
        });
      std::size_t i = 0;
      while (i < v.size()) {
        std::size_t j = i + 1;
        if (s.type == type::SRV)
          while (j < v.size() && v[j]->bytes[0] == v[i]->bytes[0] && v[j]->bytes[1] == v[i]->bytes[1]) ++j;
        else
          j = v.size();
        out.emplace_back(v.begin() + static_cast<std::ptrdiff_t>(i), v.begin() + static_cast<std::ptrdiff_t>(j));
        i = j;
      }
    }
    return out;
  }

  // Variant k: every group rotated by k.
  std::vector<const Rdata*> order(const RrSet& s, std::size_t k) const {
    std::vector<const Rdata*> out;
    for (auto& g : groups(s)) {
      std::rotate(g.begin(), g.begin() + static_cast<std::ptrdiff_t>(k % g.size()), g.end());
      out.insert(out.end(), g.begin(), g.end());
    }
    return out;
  }

  // How many variants keep every rotation even: a group of n records repeats every n answers, so the whole
  // answer every lcm of its groups' sizes (SRV groups of 2 and 3: 6, where 5 would give the pair's first
  // record 3 answers in 5). Past kMaxVariants the larger period alone is kept, and the others skew a little.
  static std::size_t combine(std::size_t a, std::size_t b) {
    const std::size_t l = std::lcm(a, b);
    return l <= kMaxVariants ? l : std::min(std::max(a, b), kMaxVariants);
  }
  std::size_t period(const RrSet& s) const {
    std::size_t p = 1;
    for (const auto& g : groups(s)) p = combine(p, g.size());
    return p;
  }

  Found resolve(const std::string& name) const {
    Found f;
    f.zone = zs_.zone_for(name);
    if (f.zone == nullptr) return f;
    if (auto it = f.zone->nodes.find(name); it != f.zone->nodes.end()) {
      f.node = &it->second;
      return f;
    }
    std::string_view enc = name;
    while (enc.size() > f.zone->apex.size()) {
      enc = parent(enc);
      if (f.zone->nodes.count(std::string(enc)) == 0) continue;
      const std::string wild = std::string("\x01*", 2) + std::string(enc);
      if (auto w = f.zone->nodes.find(wild); w != f.zone->nodes.end()) {
        f.node = &w->second;
        return f;
      }
      break;
    }
    f.nxdomain = true;
    return f;
  }

  const Node* delegation(const Zone& z, std::string_view name) const {
    const Node* found = nullptr;
    while (name.size() > z.apex.size()) {
      if (auto it = z.nodes.find(std::string(name)); it != z.nodes.end() && it->second.find(type::NS))
        found = &it->second;
      name = parent(name);
    }
    return found;
  }

  void soa_authority(const Zone& z, std::vector<Record>& auth) const {
    const RrSet* soa = z.soa();
    if (soa == nullptr || soa->rdata.empty()) return;
    const auto& rd = soa->rdata[0].bytes;
    const std::uint32_t minimum = (std::uint32_t{rd[rd.size() - 4]} << 24) | (std::uint32_t{rd[rd.size() - 3]} << 16) |
                                  (std::uint32_t{rd[rd.size() - 2]} << 8) | rd[rd.size() - 1];
    auth.push_back({z.apex, type::SOA, std::min(soa->ttl, minimum), &rd});  // RFC 2308 section 3
  }

  // Additional A and AAAA for SRV, MX and NS targets inside our zones (RFC 1035 3.3.9, RFC 2782).
  void additional_for(const std::vector<Record>& rrs, std::vector<Record>& add) const {
    for (const auto& r : rrs) {
      std::string target;
      if (r.type == type::SRV)
        target = name_at(*r.rdata, 6);
      else if (r.type == type::MX)
        target = name_at(*r.rdata, 2);
      else if (r.type == type::NS)
        target = name_at(*r.rdata, 0);
      else
        continue;
      const Found f = resolve(target);
      if (f.node == nullptr || f.node->find(type::CNAME)) continue;
      for (std::uint16_t t : {type::A, type::AAAA}) {
        const RrSet* s = f.node->find(t);
        if (s == nullptr) continue;
        bool dup = false;
        for (const auto& a : add) dup = dup || (a.owner == target && a.type == t);
        if (dup) continue;
        for (const Rdata* rd : order(*s, 0)) add.push_back({target, t, s->ttl, &rd->bytes});
      }
    }
  }

  static Variant assemble(Writer& w, const std::vector<Record>& an, const std::vector<Record>& ns,
                          const std::vector<Record>& ar) {
    Variant v;
    for (const auto& r : an) w.rr(r.owner, r.type, r.ttl, *r.rdata);
    for (const auto& r : ns) w.rr(r.owner, r.type, r.ttl, *r.rdata);
    v.without_additional = w.out.size();
    for (const auto& r : ar) w.rr(r.owner, r.type, r.ttl, *r.rdata);
    v.tail = std::move(w.out);
    v.an = static_cast<std::uint16_t>(an.size());
    v.ns = static_cast<std::uint16_t>(ns.size());
    v.ar = static_cast<std::uint16_t>(ar.size());
    return v;
  }

  Compiled negative(const Zone& z, std::uint8_t rcode, const std::string& question, bool exact) const {
    Compiled c;
    c.rcode = rcode;
    std::vector<Record> ns;
    soa_authority(z, ns);
    Writer w(exact, question);
    c.variants.push_back(assemble(w, {}, ns, {}));
    return c;
  }

  // The answer for `qtype` at `node` (named `owner` in the answer), chasing CNAMEs inside our zones.
  Compiled positive(const Zone& zone, const Node& node, const std::string& owner, std::uint16_t qtype, bool exact) {
    Compiled c;
    std::size_t variants = 1;
    for (std::size_t k = 0; k < variants; ++k) {
      std::vector<Record> an, ns, ar;
      const Zone* z = &zone;
      const Node* n = &node;
      std::string name = owner;
      std::uint8_t rcode = 0;
      for (std::size_t hop = 0; hop <= kMaxChain; ++hop) {
        const RrSet* cname = n->find(type::CNAME);
        if (cname != nullptr && qtype != type::CNAME && qtype != type::ANY) {
          an.push_back({name, type::CNAME, cname->ttl, &cname->rdata[0].bytes});
          const std::string target = name_at(cname->rdata[0].bytes, 0);
          const Found f = resolve(target);
          if (f.zone == nullptr) break;  // outside our zones: the client's resolver goes on from here
          if (f.nxdomain) {
            rcode = 3;  // RFC 6604: the RCODE speaks of the last name in the chain
            soa_authority(*f.zone, ns);
            break;
          }
          if (hop == kMaxChain) break;
          z = f.zone;
          n = f.node;
          name = target;
          continue;
        }
        bool any = false;
        for (const auto& s : n->sets) {
          if (s.type != qtype && !(qtype == type::ANY)) continue;
          any = true;
          variants = combine(variants, period(s));  // ANY: every RRset's rotation stays even
          for (const Rdata* rd : order(s, k)) an.push_back({name, s.type, s.ttl, &rd->bytes});
        }
        if (!any) soa_authority(*z, ns);  // NODATA
        break;
      }
      additional_for(an, ar);
      Writer w(exact, exact ? owner : (node.name.size() > 1 && node.name[1] == '*' ? node.name : std::string()));
      c.rcode = rcode;
      c.variants.push_back(assemble(w, an, ns, ar));
    }
    if (c.variants.size() > 1) c.rotor = rotors_++;
    return c;
  }

  // Fills the per-type answers of one node (exact, or name-independent for a wildcard).
  void fill(const Zone& z, const Node& node, const std::string& name, bool wild, std::vector<TypedAnswer>& types,
            Compiled& other, bool& is_cname) {
    const std::string owner = name;  // for a wildcard the compiled owner is the alias 0xC00C
    const bool exact = !wild;
    if (const RrSet* cname = node.find(type::CNAME)) {
      is_cname = true;
      // The chase depends on the final type: compile it for every type the chain's end holds, and once more
      // for all the others.
      std::vector<std::uint16_t> finals{type::CNAME, type::ANY};
      Found f = resolve(name_at(cname->rdata[0].bytes, 0));
      for (std::size_t hop = 0; f.node != nullptr && hop < kMaxChain; ++hop) {
        const RrSet* next = f.node->find(type::CNAME);
        if (next == nullptr) {
          for (const auto& s : f.node->sets) finals.push_back(s.type);
          break;
        }
        f = resolve(name_at(next->rdata[0].bytes, 0));
      }
      for (std::uint16_t t : finals)
        if (std::none_of(types.begin(), types.end(), [&](const TypedAnswer& ta) { return ta.type == t; }))
          types.push_back({t, positive(z, node, owner, t, exact)});
      other = positive(z, node, owner, 0, exact);
      return;
    }
    if (!node.sets.empty()) types.push_back({type::ANY, positive(z, node, owner, type::ANY, exact)});
    for (const auto& s : node.sets) types.push_back({s.type, positive(z, node, owner, s.type, exact)});
    other = negative(z, 0, exact ? name : std::string(), exact);
  }

  Compiled referral(const Zone& z, const Node& d) const {
    Compiled c;
    c.aa = false;
    const RrSet* nsset = d.find(type::NS);
    std::vector<Record> ns, ar;
    for (const Rdata* rd : order(*nsset, 0)) ns.push_back({d.name, type::NS, nsset->ttl, &rd->bytes});
    // Glue: addresses of the name servers, when we hold them (under the cut or elsewhere in our zones).
    for (const auto& r : ns) {
      const std::string target = name_at(*r.rdata, 0);
      if (!is_within(target, z.apex)) continue;
      auto it = z.nodes.find(target);
      if (it == z.nodes.end()) continue;
      for (std::uint16_t t : {type::A, type::AAAA})
        if (const RrSet* s = it->second.find(t))
          for (const auto& rd : s->rdata) ar.push_back({target, t, s->ttl, &rd.bytes});
    }
    Writer w(false, std::string());
    c.variants.push_back(assemble(w, {}, ns, ar));
    return c;
  }

  std::vector<std::vector<std::uint8_t>> axfr(const Zone& z) const {
    std::vector<Record> all;
    const RrSet* soa = z.soa();
    if (soa == nullptr || soa->rdata.empty()) return {};
    all.push_back({z.apex, type::SOA, soa->ttl, &soa->rdata[0].bytes});
    for (const auto& [name, node] : z.nodes) {
      // Names of a deeper zone we also serve belong to that zone's transfer, except the delegation itself.
      const Zone* owner = zs_.zone_for(name);
      if (owner != &z && !(name == owner->apex)) continue;
      for (const auto& s : node.sets) {
        if (s.type == type::SOA && name == z.apex) continue;
        if (owner != &z && s.type != type::NS) continue;
        for (const auto& rd : s.rdata) all.push_back({name, s.type, s.ttl, &rd.bytes});
      }
    }
    all.push_back(all.front());
    std::vector<std::vector<std::uint8_t>> messages;
    std::size_t i = 0;
    while (i < all.size()) {
      Writer w(true, z.apex);
      std::uint16_t count = 0;
      while (i < all.size() && (count == 0 || w.out.size() < kAxfrChunk)) {
        w.rr(all[i].owner, all[i].type, all[i].ttl, *all[i].rdata);
        ++count;
        ++i;
      }
      std::vector<std::uint8_t> m;
      put16(m, 0);       // ID, patched per transfer
      put16(m, 0x8400);  // QR, AA
      put16(m, 1);
      put16(m, count);
      put16(m, 0);
      put16(m, 0);
      m.insert(m.end(), z.apex.begin(), z.apex.end());
      put16(m, type::AXFR);
      put16(m, kClassIn);
      m.insert(m.end(), w.out.begin(), w.out.end());
      messages.push_back(std::move(m));
    }
    return messages;
  }

  const ZoneSet& zs_;
  const CompileOptions& o_;
  std::uint32_t rotors_ = 0;  // rotating answers compiled so far
};

}  // namespace

std::shared_ptr<const Tables> compile(const ZoneSet& zones, const CompileOptions& options) {
  return Compiler(zones, options).run();
}

}  // namespace pb::dns
