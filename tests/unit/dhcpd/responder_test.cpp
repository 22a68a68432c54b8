// Scenarios named after the exchange (Kea's DORATest style): the pure responder with an injected clock.
#include "dhcpd/responder.hpp"

#include <gtest/gtest.h>

#include "fixture.hpp"

namespace pb::dhcp {
namespace {

using test::addr;
using test::bytes;
using test::request;

constexpr std::int64_t kNow = 1'800'000'000;

class DhcpdScenario : public ::testing::Test {
 protected:
  void configure(const std::string& dhcpd) {
    model_ = test::model(dhcpd);
    ASSERT_TRUE(model_);
    settings_ = Settings::build(*model_);
    responder_ = std::make_unique<Responder>(*settings_, leases_);
  }
  void SetUp() override { configure(""); }
  // A class "capped" (option 60 "CAP") of at most `max` leases, after `extra` top-level keys.
  void configure_capped(int max, const std::string& extra = "") {
    configure(extra + "[[class]]\nname = \"capped\"\nexact = \"CAP\"\nmax_leases = " + std::to_string(max) + "\n");
  }
  // A request of client `mac` in the capped class.
  static Packet capped(MessageType type, std::uint8_t mac, std::uint32_t xid = 1) {
    Packet p = request(type, mac, xid);
    p.set_option(60, bytes("CAP"));
    return p;
  }

  const Reply* handle(const Packet& p, std::int64_t now = kNow) {
    responder_->handle(p, Context{now, -18000}, out_);
    return out_.reply ? &*out_.reply : nullptr;
  }
  std::string option_text(std::uint8_t code) const {
    for (const auto& o : out_.reply->options)
      if (o.code == code) return {o.data.begin(), o.data.end()};
    return "<absent>";
  }
  bool has_option(std::uint8_t code) const {
    for (const auto& o : out_.reply->options)
      if (o.code == code) return true;
    return false;
  }
  // A full DORA; returns the ACKed address ("" when none).
  std::string dora(Packet discover) {
    auto* offer = handle(discover);
    if (!offer || offer->type != MessageType::offer) return "";
    const auto yiaddr = offer->yiaddr;
    req_ = discover;  // a member: reply options may point into the request
    req_.type = MessageType::request;
    const std::uint8_t t = 3;
    req_.set_option(53, std::span<const std::uint8_t>(&t, 1));
    req_.set_option(50, addr(yiaddr.str().c_str()));
    req_.set_option(54, addr("10.250.0.2"));
    auto* ack = handle(req_);
    if (!ack || ack->type != MessageType::ack) return "";
    return ack->yiaddr.str();
  }

  std::shared_ptr<const config::Model> model_;
  std::shared_ptr<const Settings> settings_;
  LeaseTable leases_;
  std::unique_ptr<Responder> responder_;
  Outcome out_;
  Packet req_;
};

TEST_F(DhcpdScenario, DoraVendorClassSip100GetsBootfile) {
  auto p = request(MessageType::discover, 1);
  p.set_option(60, bytes("SIP100"));
  EXPECT_EQ(dora(p), "10.250.0.64");  // first of the default pool (upper three quarters of the site /24)
  EXPECT_EQ(option_text(67), "sip100.img");
  EXPECT_EQ(option_text(160), "http://provision.lab.voip:8088");
  EXPECT_EQ(option_text(66), "10.250.0.2");
  EXPECT_EQ(option_text(2), std::string("\xff\xff\xb9\xb0", 4));  // -18000: EST, computed at lease time
  ASSERT_EQ(out_.journal.size(), 1u);
  EXPECT_EQ(out_.journal[0].client_class, "sip100");
  EXPECT_EQ(out_.journal[0].kind, lease_journal::Kind::bound);
}

TEST_F(DhcpdScenario, DoraCiscoNulTerminatedVendorClassGetsOption150) {
  auto p = request(MessageType::discover, 2);
  p.set_option(60, bytes(std::string_view("Cisco Systems, Inc. IP Phone CP-7911G\0", 38)));
  EXPECT_FALSE(dora(p).empty());
  EXPECT_EQ(option_text(150), std::string("\x0a\xfa\x00\x02", 4));
}

TEST_F(DhcpdScenario, DoraNortelVendorClassIsEchoedWithOption242) {
  auto p = request(MessageType::discover, 30);
  p.set_option(60, bytes(std::string_view("Nortel-SIP-Phone-A\0", 19)));
  EXPECT_FALSE(dora(p).empty());
  EXPECT_EQ(option_text(60), std::string("Nortel-SIP-Phone-A\0", 19));
  EXPECT_EQ(option_text(242), "HTTPSRVR=10.250.0.2,HTTPPORT=8088");
}

TEST_F(DhcpdScenario, DoraPolycomBinaryOption60GetsNo66) {
  auto p = request(MessageType::discover, 3);
  const std::string vci = std::string("\x00\x00\x36\x3d\x17\x01\x07Polycom\x02\x0cSoundPointIP", 26);
  p.set_option(60, bytes(vci));
  EXPECT_FALSE(dora(p).empty());
  EXPECT_FALSE(has_option(66));
  EXPECT_EQ(option_text(160), "http://provision.lab.voip:8088");
}

TEST_F(DhcpdScenario, OptionsFollowTheParameterListOrderThenTheRest) {
  auto p = request(MessageType::discover, 4);
  const std::uint8_t prl[] = {160, 15, 1};
  p.set_option(55, prl);
  handle(p);
  ASSERT_TRUE(out_.reply);
  std::vector<std::uint8_t> codes;
  for (const auto& o : out_.reply->options) codes.push_back(o.code);
  // 54 first, lease times, then the client's order, then every other configured option.
  ASSERT_GE(codes.size(), 8u);
  EXPECT_EQ((std::vector<std::uint8_t>(codes.begin(), codes.begin() + 7)),
            (std::vector<std::uint8_t>{54, 51, 58, 59, 160, 15, 1}));
  EXPECT_NE(std::find(codes.begin(), codes.end(), 42), codes.end());  // not requested, sent anyway
}

TEST_F(DhcpdScenario, SendUnrequestedOffSendsOnlyWhatWasAsked) {
  configure("send_unrequested = false\n");
  auto p = request(MessageType::discover, 4);
  const std::uint8_t prl[] = {160};
  p.set_option(55, prl);
  handle(p);
  EXPECT_TRUE(has_option(160));
  EXPECT_FALSE(has_option(42));
}

TEST_F(DhcpdScenario, PrecedenceReservationOverClassOverSubnetOverGlobal) {
  configure(R"(
[[option]]
code = 67
value = "global.img"
[[subnet]]
prefix = "10.250.0.0/24"
[[subnet.pool]]
start = "10.250.0.100"
end = "10.250.0.110"
[[subnet.option]]
code = 67
value = "subnet.img"
[[class]]
name = "model-x"
exact = "X"
[[class.option]]
code = 67
value = "class.img"
[[reservation]]
mac = "02:00:00:00:00:09"
address = "10.250.0.50"
[[reservation.option]]
code = 67
value = "reserved.img"
)");
  auto plain = request(MessageType::discover, 5);
  handle(plain);
  EXPECT_EQ(option_text(67), "subnet.img");  // subnet over global
  auto x = request(MessageType::discover, 6);
  x.set_option(60, bytes("X"));
  handle(x);
  EXPECT_EQ(option_text(67), "class.img");  // class over subnet (Kea ranks it below: we do not)
  auto r = request(MessageType::discover, 9);
  r.set_option(60, bytes("X"));
  handle(r);
  EXPECT_EQ(out_.reply->yiaddr.str(), "10.250.0.50");
  EXPECT_EQ(option_text(67), "reserved.img");  // reservation over everything
}

TEST_F(DhcpdScenario, ClassPoolIsUsedByItsClassOnly) {
  configure(R"(
[[subnet]]
prefix = "10.250.0.0/24"
[[subnet.pool]]
start = "10.250.0.100"
end = "10.250.0.100"
[[subnet.pool]]
start = "10.250.0.200"
end = "10.250.0.201"
class = "sip200"
)");
  auto a = request(MessageType::discover, 1);
  a.set_option(60, bytes("SIP200"));
  EXPECT_EQ(dora(a), "10.250.0.200");
  auto b = request(MessageType::discover, 2);
  EXPECT_EQ(dora(b), "10.250.0.100");
  auto c = request(MessageType::discover, 3);
  EXPECT_EQ(handle(c), nullptr);
  EXPECT_EQ(out_.drop, DropReason::pool_exhausted);
}

TEST_F(DhcpdScenario, ClassLeaseCapIsEnforced) {
  configure_capped(1);
  auto a = capped(MessageType::discover, 1);
  EXPECT_FALSE(dora(a).empty());
  auto b = capped(MessageType::discover, 2);
  EXPECT_EQ(handle(b), nullptr);
  EXPECT_EQ(out_.drop, DropReason::class_limit);
}

// A boot storm against a capped class: every client DISCOVERs before any REQUESTs. Offers count against
// the cap, so only `max_leases` clients get one, and a REQUEST from a client without one is NAKed.
TEST_F(DhcpdScenario, ClassCapHoldsWhenEveryDiscoverComesBeforeAnyRequest) {
  configure_capped(3);
  std::vector<Packet> discovers;
  std::vector<std::string> offered;
  for (std::uint8_t i = 1; i <= 6; ++i) {
    discovers.push_back(capped(MessageType::discover, i, i));
  }
  int offers = 0;
  for (const auto& d : discovers) {
    auto* offer = handle(d);
    offered.push_back(offer ? offer->yiaddr.str() : "10.250.0.200");  // one it might guess
    if (offer)
      ++offers;
    else
      EXPECT_EQ(out_.drop, DropReason::class_limit);
  }
  EXPECT_EQ(offers, 3);
  EXPECT_EQ(leases_.class_count("capped"), 3);
  int acks = 0, naks = 0;
  for (std::size_t i = 0; i < discovers.size(); ++i) {
    Packet r = discovers[i];
    r.type = MessageType::request;
    const std::uint8_t t = 3;
    r.set_option(53, std::span<const std::uint8_t>(&t, 1));
    r.set_option(50, addr(offered[i].c_str()));
    r.set_option(54, addr("10.250.0.2"));
    auto* reply = handle(r);
    ASSERT_TRUE(reply);
    (reply->type == MessageType::ack ? acks : naks) += 1;
  }
  EXPECT_EQ(acks, 3);
  EXPECT_EQ(naks, 3);
  EXPECT_EQ(leases_.class_count("capped"), 3);
  EXPECT_EQ(leases_.bound(kNow), 3u);
}

TEST_F(DhcpdScenario, ClassCapHoldsForDiscoverWithRequestedAddress) {
  configure_capped(1);
  auto a = capped(MessageType::discover, 1);
  EXPECT_FALSE(dora(a).empty());
  auto b = capped(MessageType::discover, 2);
  b.set_option(50, addr("10.250.0.100"));  // free and in the pool: used to skip the cap
  EXPECT_EQ(handle(b), nullptr);
  EXPECT_EQ(out_.drop, DropReason::class_limit);
  // INIT-REBOOT for a free address of the scope, with no offer: NAKed, not bound past the cap.
  auto c = capped(MessageType::request, 3);
  c.set_option(50, addr("10.250.0.101"));
  auto* nak = handle(c);
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->type, MessageType::nak);
  EXPECT_EQ(leases_.class_count("capped"), 1);
}

TEST_F(DhcpdScenario, ClassCapLetsTheHolderRenewAndFreesALapsedOffer) {
  configure_capped(1, "offer_hold = 30\n");
  auto a = capped(MessageType::discover, 1);
  const auto offered = handle(a)->yiaddr;
  auto b = capped(MessageType::discover, 2);
  EXPECT_EQ(handle(b), nullptr);  // a's offer holds the only place
  EXPECT_NE(handle(a), nullptr);  // a asking again is not one more lease
  // a never REQUESTs: its offer lapses, is reclaimed, and b gets the place.
  leases_.reclaim(kNow + 31, [](const Lease&) {});
  EXPECT_EQ(leases_.class_count("capped"), 0);
  const auto b_address = dora(b);
  EXPECT_FALSE(b_address.empty());
  auto late = capped(MessageType::request, 1);
  late.set_option(50, addr(offered.str().c_str()));
  late.set_option(54, addr("10.250.0.2"));
  auto* nak = handle(late);
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->type, MessageType::nak);
  // The holder renews at the cap.
  auto renew = capped(MessageType::request, 2);
  renew.ciaddr = *Ipv4Address::parse(b_address);
  auto* ack = handle(renew);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, MessageType::ack);
  EXPECT_EQ(leases_.class_count("capped"), 1);
}

// A reservation added (reload, inventory) while another client holds the address: the holder keeps it
// until its lease ends, without extensions; meanwhile the reserved client is served from the pool.
TEST_F(DhcpdScenario, ReservedAddressHeldByAnotherClientIsNotTakenAway) {
  const std::string pool = R"(
lease_time = 3600
[[subnet]]
prefix = "10.250.0.0/24"
[[subnet.pool]]
start = "10.250.0.50"
end = "10.250.0.60"
)";
  configure(pool);
  auto holder = request(MessageType::request, 5);  // INIT-REBOOT into .50 before the reservation exists
  holder.set_option(50, addr("10.250.0.50"));
  ASSERT_EQ(handle(holder)->type, MessageType::ack);
  configure(pool + R"(
[[reservation]]
mac = "02:00:00:00:00:09"
address = "10.250.0.50"
)");
  const std::string holder_key = mac_key(holder.hwaddr());
  auto held_by_holder = [&] {
    const Lease* l = leases_.find_address(*Ipv4Address::parse("10.250.0.50"));
    return l && l->key == holder_key && l->state == Lease::State::bound && l->expires == kNow + 3600;
  };

  auto x = request(MessageType::discover, 9);
  auto* offer = handle(x, kNow + 10);
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->type, MessageType::offer);
  EXPECT_NE(offer->yiaddr.str(), "10.250.0.50");
  EXPECT_EQ(out_.reserved_address_held, Ipv4Address::parse("10.250.0.50"));
  EXPECT_NE(out_.reserved_address_note.find("02:00:00:00:00:05"), std::string::npos) << out_.reserved_address_note;
  EXPECT_TRUE(held_by_holder());
  const auto pool_address = offer->yiaddr;

  // Its REQUEST for the pool address is ACKed (not NAKed for not being the reservation).
  auto x_select = request(MessageType::request, 9);
  x_select.set_option(50, addr(pool_address.str().c_str()));
  x_select.set_option(54, addr("10.250.0.2"));
  auto* ack = handle(x_select, kNow + 10);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, MessageType::ack);
  EXPECT_EQ(ack->yiaddr, pool_address);
  EXPECT_FALSE(out_.journal.at(0).reserved);
  // Asking for the reserved address itself (INIT-REBOOT) does not take it either.
  auto x_reboot = request(MessageType::request, 9);
  x_reboot.set_option(50, addr("10.250.0.50"));
  auto* nak = handle(x_reboot, kNow + 20);
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->type, MessageType::nak);
  EXPECT_TRUE(held_by_holder());

  // The holder renews: ACKed, but only for what is left of its lease.
  auto renew = request(MessageType::request, 5);
  renew.ciaddr = *Ipv4Address::parse("10.250.0.50");
  ack = handle(renew, kNow + 1000);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, MessageType::ack);
  EXPECT_EQ(out_.journal.at(0).expires, kNow + 3600);
  EXPECT_EQ(option_text(51), std::string("\x00\x00\x0a\x28", 4));  // 2600 s
  EXPECT_TRUE(held_by_holder());

  // Once that lease has ended, the holder's renewal is NAKed and the reserved client gets its address.
  ASSERT_EQ(handle(renew, kNow + 3601)->type, MessageType::nak);
  leases_.reclaim(kNow + 3601, [](const Lease&) {});
  offer = handle(x, kNow + 3602);
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->yiaddr.str(), "10.250.0.50");
  EXPECT_FALSE(out_.reserved_address_held);
}

TEST_F(DhcpdScenario, ReservedClientThatDeclinedItsAddressWaitsOutTheQuarantine) {
  configure(R"(
decline_probation = 600
[[reservation]]
mac = "02:00:00:00:00:09"
address = "10.250.0.50"
)");
  auto x = request(MessageType::discover, 9);
  EXPECT_EQ(dora(x), "10.250.0.50");
  auto dec = request(MessageType::decline, 9);
  dec.set_option(50, addr("10.250.0.50"));
  handle(dec);
  auto* offer = handle(x, kNow + 1);
  ASSERT_TRUE(offer);
  EXPECT_NE(offer->yiaddr.str(), "10.250.0.50");  // the address is in quarantine, even from its owner
  EXPECT_TRUE(out_.reserved_address_held);
  EXPECT_EQ(handle(x, kNow + 601)->yiaddr.str(), "10.250.0.50");
}

TEST_F(DhcpdScenario, SameClientGetsSameAddressAgain) {
  auto p = request(MessageType::discover, 7);
  const auto first = dora(p);
  EXPECT_EQ(dora(p), first);
}

TEST_F(DhcpdScenario, ReplyAddressingFollowsRfc2131Section41) {
  auto p = request(MessageType::discover, 8);
  EXPECT_EQ(handle(p)->to, Reply::To::unicast_to_yiaddr);
  p.flags = kBroadcastFlag;
  EXPECT_EQ(handle(p)->to, Reply::To::broadcast);
  p.giaddr = *Ipv4Address::parse("10.250.0.9");
  EXPECT_EQ(handle(p)->to, Reply::To::relay);
}

TEST_F(DhcpdScenario, RenewUnicastGoesToCiaddrAndExtends) {
  auto p = request(MessageType::discover, 10);
  const auto a = dora(p);
  auto renew = request(MessageType::request, 10);
  renew.ciaddr = *Ipv4Address::parse(a);
  auto* ack = handle(renew, kNow + 50000);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, MessageType::ack);
  EXPECT_EQ(ack->to, Reply::To::client_address);
  EXPECT_EQ(out_.journal.at(0).expires, kNow + 50000 + 86400);
}

TEST_F(DhcpdScenario, InitRebootForeignAddressGetsNak) {
  auto a = request(MessageType::discover, 11);
  const auto taken = dora(a);
  auto b = request(MessageType::request, 12);
  b.set_option(50, addr(taken.c_str()));
  auto* nak = handle(b);
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->type, MessageType::nak);
  EXPECT_EQ(nak->to, Reply::To::broadcast);
}

TEST_F(DhcpdScenario, InitRebootOtherNetworkGetsNak) {
  auto b = request(MessageType::request, 13);
  b.set_option(50, addr("192.168.1.20"));
  auto* nak = handle(b);
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->type, MessageType::nak);
}

TEST_F(DhcpdScenario, InitRebootAfterLostStateGetsFreeAddress) {
  auto b = request(MessageType::request, 14);
  b.set_option(50, addr("10.250.0.150"));
  auto* ack = handle(b);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, MessageType::ack);
}

TEST_F(DhcpdScenario, SelectingAnotherServerReleasesOurOffer) {
  auto d = request(MessageType::discover, 15);
  const auto offered = handle(d)->yiaddr;
  auto r = request(MessageType::request, 15);
  r.set_option(54, addr("10.250.0.3"));
  r.set_option(50, addr(offered.str().c_str()));
  EXPECT_EQ(handle(r), nullptr);
  EXPECT_EQ(out_.drop, DropReason::not_for_us);
  EXPECT_TRUE(leases_.available(offered.value, "someone else", kNow, *settings_));
}

TEST_F(DhcpdScenario, ReleaseFreesTheAddress) {
  auto d = request(MessageType::discover, 16);
  const auto a = dora(d);
  auto rel = request(MessageType::release, 16);
  rel.ciaddr = *Ipv4Address::parse(a);
  EXPECT_EQ(handle(rel), nullptr);
  ASSERT_EQ(out_.journal.size(), 1u);
  EXPECT_EQ(out_.journal[0].kind, lease_journal::Kind::released);
  EXPECT_TRUE(leases_.available(Ipv4Address::parse(a)->value, "other", kNow, *settings_));
}

TEST_F(DhcpdScenario, ReleaseByAnotherClientIsIgnored) {
  auto d = request(MessageType::discover, 17);
  const auto a = dora(d);
  auto rel = request(MessageType::release, 18);
  rel.ciaddr = *Ipv4Address::parse(a);
  handle(rel);
  EXPECT_EQ(out_.drop, DropReason::unknown_lease);
  EXPECT_TRUE(out_.journal.empty());
}

TEST_F(DhcpdScenario, DeclineQuarantinesForTheProbation) {
  configure("decline_probation = 600\n");
  auto d = request(MessageType::discover, 19);
  const auto a = dora(d);
  auto dec = request(MessageType::decline, 19);
  dec.set_option(50, addr(a.c_str()));
  EXPECT_EQ(handle(dec), nullptr);
  ASSERT_EQ(out_.journal.size(), 1u);
  EXPECT_EQ(out_.journal[0].kind, lease_journal::Kind::declined);
  EXPECT_EQ(out_.journal[0].expires, kNow + 600);
  auto again = request(MessageType::discover, 19);
  again.set_option(50, addr(a.c_str()));
  EXPECT_NE(handle(again)->yiaddr.str(), a);
  EXPECT_TRUE(leases_.available(Ipv4Address::parse(a)->value, "x", kNow + 601, *settings_));
}

TEST_F(DhcpdScenario, InformGetsOptionsAndNoLease) {
  auto inf = request(MessageType::inform, 20);
  inf.ciaddr = *Ipv4Address::parse("10.250.0.30");
  auto* ack = handle(inf);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, MessageType::ack);
  EXPECT_EQ(ack->yiaddr.value, 0u);
  EXPECT_EQ(ack->to, Reply::To::client_address);
  EXPECT_FALSE(has_option(51));
  EXPECT_EQ(option_text(160), "http://provision.lab.voip:8088");
  EXPECT_TRUE(out_.journal.empty());
  EXPECT_EQ(leases_.size(), 0u);
}

TEST_F(DhcpdScenario, InformFromUnknownNetworkIsDropped) {
  auto inf = request(MessageType::inform, 21);
  inf.ciaddr = *Ipv4Address::parse("192.168.7.7");
  EXPECT_EQ(handle(inf), nullptr);
  EXPECT_EQ(out_.drop, DropReason::not_our_scope);
}

TEST_F(DhcpdScenario, RelayedDiscoverUsesTheRelayScopeAndEchoesOption82) {
  configure(R"(
[[subnet]]
prefix = "10.250.0.0/24"
[[subnet.pool]]
start = "10.250.0.100"
end = "10.250.0.110"
[[subnet]]
prefix = "10.20.0.0/24"
router = "10.20.0.1"
relay = ["172.16.0.1"]
[[subnet.pool]]
start = "10.20.0.100"
end = "10.20.0.110"
[[subnet.option]]
code = 132
value = "100"
)");
  auto p = request(MessageType::discover, 22);
  p.giaddr = *Ipv4Address::parse("172.16.0.1");
  p.set_option(82, bytes(std::string_view("\x01\x02"
                                          "ab")));
  auto* offer = handle(p);
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->yiaddr.str(), "10.20.0.100");
  EXPECT_EQ(option_text(132), "100");
  EXPECT_EQ(out_.reply->options.back().code, 82);
  EXPECT_TRUE(out_.reply->options.back().keep);  // survives when the reply is cut to the client's size
  EXPECT_EQ(option_text(3), std::string("\x0a\x14\x00\x01", 4));
}

TEST_F(DhcpdScenario, ExpiredLeaseIsReclaimed) {
  configure("lease_time = 60\n");
  auto d = request(MessageType::discover, 23);
  const auto a = dora(d);
  std::size_t expired = 0;
  leases_.reclaim(kNow + 61, [&](const Lease&) { ++expired; });
  EXPECT_EQ(expired, 1u);
  EXPECT_TRUE(leases_.available(Ipv4Address::parse(a)->value, "other", kNow + 61, *settings_));
}

TEST_F(DhcpdScenario, ClientIdentifierIsTheIdentity) {
  auto a = request(MessageType::discover, 24);
  a.set_option(61, bytes("\x01"
                         "phone-a"));
  const auto first = dora(a);
  auto b = request(MessageType::discover, 25);  // another MAC, same client id
  b.set_option(61, bytes("\x01"
                         "phone-a"));
  EXPECT_EQ(dora(b), first);
}

TEST_F(DhcpdScenario, JournalReplayRebuildsTheTable) {
  auto d = request(MessageType::discover, 26);
  const auto a = dora(d);
  LeaseTable fresh;
  for (const auto& r : leases_.snapshot(kNow)) fresh.apply(r);
  EXPECT_FALSE(fresh.available(Ipv4Address::parse(a)->value, "other", kNow, *settings_));
  EXPECT_TRUE(fresh.available(Ipv4Address::parse(a)->value, mac_key(d.hwaddr()), kNow, *settings_));
}

}  // namespace
}  // namespace pb::dhcp
