// The answer engine, through answer() with no sockets: each scenario named after the exchange.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "dnsd/name.hpp"
#include "helpers.hpp"

namespace pb::dns {
namespace {

using test::asker;
using test::datas;
using V = std::vector<std::string>;

const char* kExtra = R"([[dnsd.record]]
name = "media"
type = "CNAME"
data = "vm40ic1"
[[dnsd.record]]
name = "chain"
type = "CNAME"
data = "media"
[[dnsd.record]]
name = "dangling"
type = "CNAME"
data = "nothing"
[[dnsd.record]]
name = "away"
type = "CNAME"
data = "www.example.com."
[[dnsd.record]]
name = "*.phones"
type = "TXT"
data = "\"wild\""
[[dnsd.record]]
name = "big"
type = "TXT"
data = "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\" \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\""
[[dnsd.record]]
name = "mail"
type = "MX"
data = "10 vm40ic2"
)";

TEST(DnsdEngine, ProvisionAnswersBothServersAuthoritatively) {
  auto a = asker();
  auto m = a.ask("provision.lab.voip", type::A);
  EXPECT_EQ(m.rcode(), rcode::noerror);
  EXPECT_TRUE(m.aa());
  EXPECT_EQ((std::set<std::string>{m.answer[0].data, m.answer[1].data}),
            (std::set<std::string>{"10.250.1.151", "10.250.1.152"}));
  EXPECT_EQ(m.answer[0].ttl, 30u);
  EXPECT_EQ(m.id, 0x1234);
  EXPECT_FALSE(m.has_opt);
}

TEST(DnsdEngine, MultiAddressRRsetRotatesPerQuery) {
  auto a = asker();
  std::vector<std::string> firsts;
  for (int i = 0; i < 4; ++i) firsts.push_back(a.ask("provision.lab.voip", type::A).answer[0].data);
  EXPECT_NE(firsts[0], firsts[1]);
  EXPECT_EQ(firsts[0], firsts[2]);
  EXPECT_EQ(firsts[1], firsts[3]);
}

TEST(DnsdEngine, EachRRsetRotatesOnItsOwnWhateverIsAskedBetween) {
  // A phone asks provision A, then _sip._udp SRV, again and again: each name's first record must still
  // alternate (a counter shared by all names would give each name every other value, so always the same one).
  auto a = asker();
  std::vector<std::string> provision, srv;
  for (int i = 0; i < 4; ++i) {
    provision.push_back(a.ask("provision.lab.voip", type::A).answer.at(0).data);
    srv.push_back(a.ask("_sip._udp.lab.voip", type::SRV).answer.at(0).data);
  }
  for (const auto* firsts : {&provision, &srv}) {
    EXPECT_NE((*firsts)[0], (*firsts)[1]);
    EXPECT_EQ((*firsts)[0], (*firsts)[2]);
    EXPECT_EQ((*firsts)[1], (*firsts)[3]);
  }
}

TEST(DnsdEngine, SrvGroupsOfUnequalSizeEachRotateEvenly) {
  // Priority 10 holds 2 targets, priority 20 holds 3: over 12 queries (twice lcm(2, 3)) each target of the
  // first group leads it 6 times and each of the second leads its group 4 times.
  std::string cfg;
  for (const char* t : {"10 0 5060 a1", "10 0 5060 a2", "20 0 5060 b1", "20 0 5060 b2", "20 0 5060 b3"})
    cfg += "[[dnsd.record]]\nname = \"_x._udp\"\ntype = \"SRV\"\ndata = \"" + std::string(t) + "\"\n";
  // And ANY at a node with 2 A and 3 TXT: the same evenness across the sets.
  for (const char* d : {"10.250.3.1", "10.250.3.2"})
    cfg += "[[dnsd.record]]\nname = \"mix\"\ntype = \"A\"\ndata = \"" + std::string(d) + "\"\nptr = false\n";
  for (const char* d : {"x", "y", "z"})
    cfg += "[[dnsd.record]]\nname = \"mix\"\ntype = \"TXT\"\ndata = \"\\\"" + std::string(d) + "\\\"\"\n";
  auto a = asker(cfg);
  std::map<std::string, int> lead;
  for (int i = 0; i < 12; ++i) {
    auto m = a.ask("_x._udp.lab.voip", type::SRV);
    ASSERT_EQ(m.answer.size(), 5u);
    ++lead[m.answer[0].data];
    ++lead[m.answer[2].data];
    auto any = a.ask("mix.lab.voip", type::ANY);
    ASSERT_EQ(any.answer.size(), 5u);
    const std::size_t first_txt = any.answer[0].type == type::A ? 2 : 0;
    const std::size_t first_a = first_txt == 0 ? 3 : 0;
    ++lead["A " + any.answer[first_a].data];
    ++lead["TXT " + any.answer[first_txt].data];
  }
  EXPECT_EQ(lead, (std::map<std::string, int>{{"10 0 5060 a1.lab.voip.", 6},
                                              {"10 0 5060 a2.lab.voip.", 6},
                                              {"20 0 5060 b1.lab.voip.", 4},
                                              {"20 0 5060 b2.lab.voip.", 4},
                                              {"20 0 5060 b3.lab.voip.", 4},
                                              {"A 10.250.3.1", 6},
                                              {"A 10.250.3.2", 6},
                                              {"TXT 0178", 4},  // TXT reads as hex: length 1, "x"
                                              {"TXT 0179", 4},
                                              {"TXT 017a", 4}}));
}

TEST(DnsdEngine, SrvRotatesAndCarriesTargetAddresses) {
  auto a = asker();
  auto m1 = a.ask("_sip._udp.lab.voip", type::SRV);
  auto m2 = a.ask("_sip._udp.lab.voip", type::SRV);
  ASSERT_EQ(m1.answer.size(), 2u);
  EXPECT_NE(m1.answer[0].data, m2.answer[0].data);
  EXPECT_EQ(m1.answer[0].data.substr(0, 9), "0 0 8060 ");
  // Additional A for each target, in the answer's order.
  EXPECT_EQ(datas(m1.additional).size(), 2u);
  EXPECT_EQ(m1.additional[0].name, m1.answer[0].data.substr(9));
}

TEST(DnsdEngine, UnknownNameIsNxdomainWithSoa) {
  auto a = asker();
  auto m = a.ask("nothing.lab.voip", type::A);
  EXPECT_EQ(m.rcode(), rcode::nxdomain);
  EXPECT_TRUE(m.aa());
  ASSERT_EQ(m.authority.size(), 1u);
  EXPECT_EQ(m.authority[0].type, type::SOA);
  EXPECT_EQ(m.authority[0].name, "lab.voip.");
  EXPECT_EQ(m.authority[0].ttl, 60u);  // min(SOA TTL, MINIMUM): RFC 2308
}

TEST(DnsdEngine, MissingTypeIsNodataWithSoa) {
  auto a = asker();
  auto m = a.ask("provision.lab.voip", type::AAAA);
  EXPECT_EQ(m.rcode(), rcode::noerror);
  EXPECT_TRUE(m.answer.empty());
  ASSERT_EQ(m.authority.size(), 1u);
  EXPECT_EQ(m.authority[0].type, type::SOA);
  // An empty non-terminal ("_udp") is NODATA too, not NXDOMAIN.
  auto e = a.ask("_udp.lab.voip", type::A);
  EXPECT_EQ(e.rcode(), rcode::noerror);
  EXPECT_EQ(e.authority.size(), 1u);
}

TEST(DnsdEngine, CnameIsChasedInsideTheZone) {
  auto a = asker(kExtra);
  auto m = a.ask("chain.lab.voip", type::A);
  EXPECT_EQ(datas(m.answer), (V{"chain.lab.voip. CNAME media.lab.voip.", "media.lab.voip. CNAME vm40ic1.lab.voip.",
                                "vm40ic1.lab.voip. A 10.250.1.151"}));
  auto c = a.ask("media.lab.voip", type::CNAME);
  EXPECT_EQ(datas(c.answer), (V{"media.lab.voip. CNAME vm40ic1.lab.voip."}));
  auto d = a.ask("dangling.lab.voip", type::A);
  EXPECT_EQ(d.rcode(), rcode::nxdomain);
  EXPECT_EQ(d.answer.size(), 1u);
  auto w = a.ask("away.lab.voip", type::A);
  EXPECT_EQ(w.rcode(), rcode::noerror);
  EXPECT_EQ(datas(w.answer), (V{"away.lab.voip. CNAME www.example.com."}));
  auto n = a.ask("media.lab.voip", type::TXT);  // the target has no TXT: CNAME then NODATA
  EXPECT_EQ(n.answer.size(), 1u);
  EXPECT_EQ(n.authority.size(), 1u);
}

TEST(DnsdEngine, WildcardSynthesisesTheQuestionsName) {
  auto a = asker(kExtra);
  auto m = a.ask("Phone-17.phones.lab.voip", type::TXT);
  ASSERT_EQ(m.answer.size(), 1u);
  EXPECT_EQ(m.answer[0].name, "Phone-17.phones.lab.voip.");
  EXPECT_EQ(m.answer[0].data, "0477696c64");  // "wild" as a character-string
  auto n = a.ask("x.phones.lab.voip", type::A);
  EXPECT_EQ(n.rcode(), rcode::noerror);
  EXPECT_TRUE(n.answer.empty());
  EXPECT_EQ(n.authority.size(), 1u);
}

TEST(DnsdEngine, QuestionCaseIsPreserved) {
  auto a = asker();
  auto m = a.ask("PROVISION.Lab.VoIP", type::A);
  EXPECT_EQ(m.qname, "PROVISION.Lab.VoIP.");
  EXPECT_EQ(m.answer.size(), 2u);
}

TEST(DnsdEngine, MxGetsAdditionalAddress) {
  auto a = asker(kExtra);
  auto m = a.ask("mail.lab.voip", type::MX);
  EXPECT_EQ(datas(m.additional), (V{"vm40ic2.lab.voip. A 10.250.1.152"}));
}

TEST(DnsdEngine, ReversePointer) {
  auto a = asker();
  auto m = a.ask("151.1.250.10.in-addr.arpa", type::PTR);
  EXPECT_EQ(datas(m.answer), (V{"151.1.250.10.in-addr.arpa. PTR vm40ic1.lab.voip."}));
}

TEST(DnsdEngine, TooBigForUdpIsTruncatedAndWholeOverTcp) {
  auto a = asker(kExtra);
  auto small = a.ask("big.lab.voip", type::TXT);
  EXPECT_TRUE(small.tc());
  EXPECT_TRUE(small.answer.empty());
  auto edns = a.ask("big.lab.voip", type::TXT, 1232);
  EXPECT_FALSE(edns.tc());
  EXPECT_EQ(edns.answer.size(), 1u);
  EXPECT_TRUE(edns.has_opt);
  EXPECT_EQ(edns.opt_payload, 1232);
  auto tcp = a.ask("big.lab.voip", type::TXT, 0, true);
  EXPECT_FALSE(tcp.tc());
  EXPECT_EQ(tcp.answer.size(), 1u);
}

TEST(DnsdEngine, EdnsAnswerCarriesOurPayloadAndBadVersionIsRefused) {
  auto a = asker();
  auto m = a.ask("provision.lab.voip", type::A, 4096);
  EXPECT_TRUE(m.has_opt);
  EXPECT_EQ(m.opt_payload, 1232);
  auto q = make_query("provision.lab.voip", type::A, 7, 1232);
  q[q.size() - 5] = 1;  // OPT TTL: version 1
  auto b = a.ask_bytes(q);
  EXPECT_EQ(a.last.rcode, rcode::badvers);
  EXPECT_TRUE(b.answer.empty());
}

TEST(DnsdEngine, NamesOutsideOurZonesAreRefused) {
  auto a = asker();
  auto m = a.ask("www.example.com", type::A);
  EXPECT_EQ(m.rcode(), rcode::refused);
  EXPECT_FALSE(m.aa());
  std::vector<std::uint8_t> out(4096);
  auto r = answer(*a.tables, make_query("www.example.com", type::A), out, Transport{.may_forward = true});
  EXPECT_EQ(r.outcome, Outcome::forward);
}

TEST(DnsdEngine, MalformedQueriesGetFormerrOrNothing) {
  auto a = asker();
  auto q = make_query("provision.lab.voip", type::A);
  q[5] = 2;  // qdcount 2
  auto m = a.ask_bytes(q);
  EXPECT_EQ(m.rcode(), rcode::formerr);
  EXPECT_EQ(a.last.drop, Drop::qdcount);
  EXPECT_EQ(m.id, 0x1234);

  auto p = make_query("provision.lab.voip", type::A);
  p[12] = 0xC0;  // a compression pointer in the question
  p[13] = 0x0C;
  a.ask_bytes(p);
  EXPECT_EQ(a.last.rcode, rcode::formerr);
  EXPECT_EQ(a.last.drop, Drop::compression);

  std::vector<std::uint8_t> out(512);
  const std::vector<std::uint8_t> shorty{1, 2, 3};
  EXPECT_EQ(answer(*a.tables, shorty, out, {}).drop, Drop::short_header);
  auto resp = make_query("provision.lab.voip", type::A);
  resp[2] |= 0x80;  // QR: an answer, never answered
  EXPECT_EQ(answer(*a.tables, resp, out, {}).outcome, Outcome::drop);
}

TEST(DnsdEngine, OtherOpcodesAreNotImplemented) {
  auto a = asker();
  a.ask_bytes(make_query("lab.voip", type::SOA, 1, 0, 2));
  EXPECT_EQ(a.last.rcode, rcode::notimp);
  a.ask("lab.voip", type::MAILB);
  EXPECT_EQ(a.last.rcode, rcode::notimp);
}

TEST(DnsdEngine, TransferOnlyOverTcpAtTheApex) {
  auto a = asker();
  std::vector<std::uint8_t> out(65535);
  auto r = answer(*a.tables, make_query("lab.voip", type::AXFR), out, Transport{.tcp = true});
  EXPECT_EQ(r.outcome, Outcome::transfer);
  const auto& msgs = a.tables->zones[r.zone].axfr;
  ASSERT_EQ(msgs.size(), 1u);
  auto m = parse_message(msgs[0]);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->answer.front().type, type::SOA);
  EXPECT_EQ(m->answer.back().type, type::SOA);
  EXPECT_EQ(m->answer.size(), 14u);  // SOA NS A(appliance) 2xA 2xprovision 6xSRV SOA
  a.ask("lab.voip", type::AXFR);
  EXPECT_EQ(a.last.rcode, rcode::notimp);
}

TEST(DnsdEngine, HealthPutsLiveMembersFirst) {
  auto a = asker("", CompileOptions{.live = {false, true}});
  for (int i = 0; i < 3; ++i) {
    auto m = a.ask("provision.lab.voip", type::A);
    ASSERT_EQ(m.answer.size(), 2u);
    EXPECT_EQ(m.answer[0].data, "10.250.1.152");
    auto s = a.ask("_sips._tcp.lab.voip", type::SRV);
    EXPECT_EQ(s.answer[0].data, "0 0 8061 vm40ic2.lab.voip.");
  }
  auto only = asker("", CompileOptions{.live = {false, true}, .only_live = true});
  EXPECT_EQ(datas(only.ask("provision.lab.voip", type::A).answer), (V{"provision.lab.voip. A 10.250.1.152"}));
  auto none = asker("", CompileOptions{.live = {false, false}, .only_live = true});
  EXPECT_EQ(none.ask("provision.lab.voip", type::A).answer.size(), 2u);  // all down: all of them
}

TEST(DnsdEngine, AdditionalIsDroppedBeforeSettingTc) {
  std::string cfg;
  for (int i = 0; i < 6; ++i) {
    const std::string host = "a-rather-long-host-name-for-the-test-number-" + std::to_string(i);
    cfg += "[[dnsd.record]]\nname = \"_x._tcp\"\ntype = \"SRV\"\ndata = \"0 0 5060 " + host + "\"\n";
    cfg +=
        "[[dnsd.record]]\nname = \"" + host + "\"\ntype = \"A\"\ndata = \"10.250.2." + std::to_string(i + 1) + "\"\n";
  }
  auto a = asker(cfg);
  auto m = a.ask("_x._tcp.lab.voip", type::SRV);  // 512 bytes: the SRV RRset fits, its addresses do not
  EXPECT_FALSE(m.tc());
  EXPECT_EQ(m.answer.size(), 6u);
  EXPECT_TRUE(m.additional.empty());
  auto e = a.ask("_x._tcp.lab.voip", type::SRV, 1232);
  EXPECT_EQ(e.additional.size(), 6u);
}

TEST(DnsdEngine, DelegationGivesAReferralWithGlue) {
  auto a = asker(R"([[dnsd.record]]
name = "branch"
type = "NS"
data = "ns.branch"
[[dnsd.record]]
name = "ns.branch"
type = "A"
data = "10.250.9.1"
)");
  auto m = a.ask("phone.branch.lab.voip", type::A);
  EXPECT_FALSE(m.aa());
  EXPECT_TRUE(m.answer.empty());
  EXPECT_EQ(datas(m.authority), (V{"branch.lab.voip. NS ns.branch.lab.voip."}));
  EXPECT_EQ(datas(m.additional), (V{"ns.branch.lab.voip. A 10.250.9.1"}));
}

TEST(DnsdEngine, EdnsDetails) {
  auto a = asker();
  auto q = make_query("provision.lab.voip", type::A, 5, 100);  // below 512: treated as 512
  q[q.size() - 4] = 0x80;                                      // DO
  auto m = a.ask_bytes(q);
  EXPECT_TRUE(m.has_opt);
  EXPECT_EQ(m.answer.size(), 2u);
  auto any = a.ask("lab.voip", type::ANY);
  EXPECT_EQ(any.answer.size(), 2u);  // SOA and NS
  auto chaos = make_query("version.bind", 16);
  chaos[chaos.size() - 1] = 3;  // class CH
  a.ask_bytes(chaos);
  EXPECT_EQ(a.last.rcode, rcode::refused);
}

}  // namespace
}  // namespace pb::dns
