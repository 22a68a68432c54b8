#include "dnsd/zone.hpp"

#include <algorithm>

#include "dnsd/name.hpp"

namespace pb::dns {

std::string type_name(std::uint16_t t) {
  switch (t) {
    case type::A: return "A";
    case type::NS: return "NS";
    case type::CNAME: return "CNAME";
    case type::SOA: return "SOA";
    case type::PTR: return "PTR";
    case type::MX: return "MX";
    case type::TXT: return "TXT";
    case type::AAAA: return "AAAA";
    case type::SRV: return "SRV";
    case type::NAPTR: return "NAPTR";
    case type::AXFR: return "AXFR";
    case type::IXFR: return "IXFR";
    case type::ANY: return "ANY";
    default: return "TYPE" + std::to_string(t);
  }
}

RrSet* Node::find(std::uint16_t t) {
  for (auto& s : sets)
    if (s.type == t) return &s;
  return nullptr;
}
const RrSet* Node::find(std::uint16_t t) const { return const_cast<Node*>(this)->find(t); }

const RrSet* Zone::soa() const {
  auto it = nodes.find(apex);
  return it == nodes.end() ? nullptr : it->second.find(type::SOA);
}

Zone* ZoneSet::find_zone(const std::string& apex) {
  for (auto& z : zones)
    if (z.apex == apex) return &z;
  return nullptr;
}

Zone* ZoneSet::zone_for(const std::string& name) {
  Zone* best = nullptr;
  for (auto& z : zones)
    if (is_within(name, z.apex) && (best == nullptr || z.apex.size() > best->apex.size())) best = &z;
  return best;
}
const Zone* ZoneSet::zone_for(const std::string& name) const { return const_cast<ZoneSet*>(this)->zone_for(name); }

Zone& ZoneBuilder::add_zone(const std::string& apex, bool generated) {
  if (Zone* z = set_.find_zone(apex)) return *z;
  Zone z;
  z.apex = apex;
  z.generated = generated;
  z.nodes[apex].name = apex;
  set_.zones.push_back(std::move(z));
  return set_.zones.back();
}

std::string ZoneBuilder::add(const std::string& owner_in, std::uint16_t t, std::uint32_t ttl, Rdata rdata,
                             const std::string& source, bool replace) {
  const std::string owner = lowercase(owner_in);
  Zone* zone = set_.zone_for(owner);
  if (zone == nullptr) return "'" + name_to_text(owner) + "' is outside every zone dnsd serves";
  Node& node = zone->nodes[owner];
  node.name = owner;
  const std::string what = "'" + name_to_text(owner) + "' " + type_name(t);
  if (t == type::CNAME) {
    for (const auto& s : node.sets)
      if (s.type != type::CNAME) return what + " cannot sit beside the " + type_name(s.type) + " from " + s.source;
  } else if (const RrSet* c = node.find(type::CNAME)) {
    return what + " cannot sit beside the CNAME from " + c->source;
  }
  RrSet* set = node.find(t);
  if (set != nullptr && set->source != source) {
    if (!replace) return what + " conflicts with " + set->source;
    *set = RrSet{};  // a zone file's SOA or apex NS takes over the generated one
    set->type = t;
    set->source = source;
  }
  if (set == nullptr) {
    node.sets.push_back(RrSet{.type = t, .ttl = ttl, .rdata = {}, .source = source});
    set = &node.sets.back();
  }
  if (t == type::SOA && !set->rdata.empty()) return what + " appears twice in " + source;
  if (t == type::CNAME && !set->rdata.empty()) return what + " appears twice in " + source;
  // RFC 2181 5.2: one TTL per RRset; the lowest wins. Duplicate records collapse (RFC 2181 5).
  set->ttl = std::min(set->ttl, ttl);
  if (std::find(set->rdata.begin(), set->rdata.end(), rdata) == set->rdata.end())
    set->rdata.push_back(std::move(rdata));
  return {};
}

void ZoneBuilder::finish() {
  for (auto& z : set_.zones) {
    std::vector<std::string> owners;
    for (const auto& [name, node] : z.nodes) owners.push_back(name);
    for (const auto& name : owners) {
      std::string_view p = name;
      while (p.size() > z.apex.size()) {
        p = parent(p);
        auto& n = z.nodes[std::string(p)];
        n.name = std::string(p);
      }
    }
  }
}

std::vector<std::uint8_t> rdata_a(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v)};
}

std::vector<std::uint8_t> rdata_name(const std::string& wire) { return {wire.begin(), wire.end()}; }

namespace {
void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v));
}
}  // namespace

std::vector<std::uint8_t> rdata_srv(std::uint16_t priority, std::uint16_t weight, std::uint16_t port,
                                    const std::string& target) {
  std::vector<std::uint8_t> out;
  put16(out, priority);
  put16(out, weight);
  put16(out, port);
  out.insert(out.end(), target.begin(), target.end());
  return out;
}

std::vector<std::uint8_t> rdata_soa(const std::string& mname, const std::string& rname, std::uint32_t serial,
                                    std::uint32_t refresh, std::uint32_t retry, std::uint32_t expire,
                                    std::uint32_t minimum) {
  std::vector<std::uint8_t> out(mname.begin(), mname.end());
  out.insert(out.end(), rname.begin(), rname.end());
  for (std::uint32_t v : {serial, refresh, retry, expire, minimum}) put32(out, v);
  return out;
}

std::string reverse_name(std::uint32_t v) {
  std::string text;
  for (int i = 0; i < 4; ++i) text += std::to_string((v >> (8 * i)) & 0xFF) + ".";
  return *name_from_text(text + "in-addr.arpa");
}

}  // namespace pb::dns
