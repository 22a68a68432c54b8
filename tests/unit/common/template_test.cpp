#include "common/template.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace pb::tmpl {
namespace {

// The data's shape: texts, a list of call servers, an (empty in the data) list of lines, and an object.
// "name" is both a top-level text and a call server field, to show which scope wins.
Object schema() {
  return Object()
      .set("hostname", "")
      .set("name", "")
      .set("password", "")
      .set("empty", "")
      .set_list("call_servers", {Object().set("name", "").set("address", "")})
      .set_list("lines", {Object().set("number", "")})
      .set_object("site", Object().set("domain", ""));
}

Object data() {
  return Object()
      .set("hostname", "vm40ic1")
      .set("name", "phone-1")
      .set("password", "s3cr&t<>\"'")
      .set("empty", "")
      .set_list("call_servers", {Object().set("name", "cs1").set("address", "10.0.0.1"),
                                 Object().set("name", "cs2").set("address", "10.0.0.2")})
      .set_list("lines", {})
      .set_object("site", Object().set("domain", "example.org"));
}

// "line:column: message" for a compile error, so one string says both where and what.
std::string where(const Error& e) { return std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message; }

std::string render(std::string_view text, Escape escape = Escape::none, const Object& values = data()) {
  auto t = Template::compile(text, schema());
  if (!t) return "compile error " + where(t.error());
  auto out = t->render(values, escape);
  if (!out) return "render error: " + out.error();
  return out.value();
}

std::string compile_error(std::string_view text, Limits limits = {}) {
  auto t = Template::compile(text, schema(), limits);
  return t ? "compiled" : where(t.error());
}

// ---- Rendering ----

TEST(TemplateRender, PlainTextIsCopied) {
  EXPECT_EQ(render("hello { } }} {x}\n"), "hello { } }} {x}\n");
  EXPECT_EQ(render(""), "");
}

TEST(TemplateRender, ValueEscapedOnlyForXml) {
  EXPECT_EQ(render("pw={{password}}", Escape::none), "pw=s3cr&t<>\"'");
  EXPECT_EQ(render("pw={{password}}", Escape::xml), "pw=s3cr&amp;t&lt;&gt;&quot;&apos;");
}

TEST(TemplateRender, TripleAndAmpersandAreRawEvenForXml) {
  EXPECT_EQ(render("{{{password}}}|{{&password}}|{{& password }}|{{{ password }}}", Escape::xml),
            "s3cr&t<>\"'|s3cr&t<>\"'|s3cr&t<>\"'|s3cr&t<>\"'");
}

TEST(TemplateRender, TemplateTextIsNeverEscaped) {
  EXPECT_EQ(render("<a href=\"x&y\">{{hostname}}</a>", Escape::xml), "<a href=\"x&y\">vm40ic1</a>");
}

TEST(TemplateRender, WhitespaceInsideTagsIsIgnored) {
  EXPECT_EQ(render("{{ hostname }}|{{\thostname\n}}|{{# site }}{{ domain }}{{/ site }}|{{ site.domain }}"),
            "vm40ic1|vm40ic1|example.org|example.org");
}

TEST(TemplateRender, ListOncePerItemWithItemFieldsAndOuterNames) {
  // Inside the list "name" is the item's; outside it is the top-level one. hostname comes from outside.
  EXPECT_EQ(render("{{name}}:{{#call_servers}} {{name}}={{address}}@{{hostname}}{{/call_servers}} {{name}}"),
            "phone-1: cs1=10.0.0.1@vm40ic1 cs2=10.0.0.2@vm40ic1 phone-1");
}

TEST(TemplateRender, ListItemsAreEscaped) {
  Object d = data();
  d.set_list("call_servers", {Object().set("name", "a&b").set("address", "<1>")});
  EXPECT_EQ(render("{{#call_servers}}{{name}} {{address}}{{/call_servers}}", Escape::xml, d), "a&amp;b &lt;1&gt;");
}

TEST(TemplateRender, NestedListsIterateInnerPerOuterItem) {
  EXPECT_EQ(render("{{#call_servers}}[{{#call_servers}}{{name}}{{/call_servers}}]{{/call_servers}}"),
            "[cs1cs2][cs1cs2]");
}

TEST(TemplateRender, ObjectSectionOnceWithItsFieldsInScope) {
  EXPECT_EQ(render("{{#site}}{{domain}} for {{hostname}}{{/site}}"), "example.org for vm40ic1");
}

TEST(TemplateRender, TextSectionOnceWhenNotEmpty) {
  EXPECT_EQ(render("{{#hostname}}host={{hostname}}{{/hostname}}|{{#empty}}never{{/empty}}|"), "host=vm40ic1||");
}

TEST(TemplateRender, InvertedForEmptyTextAndEmptyList) {
  EXPECT_EQ(render("{{^empty}}no text{{/empty}}|{{^lines}}no lines{{/lines}}|"
                   "{{^hostname}}X{{/hostname}}|{{^call_servers}}Y{{/call_servers}}"),
            "no text|no lines||");
}

TEST(TemplateRender, EmptyListSectionRendersNothing) { EXPECT_EQ(render("a{{#lines}}{{number}}{{/lines}}b"), "ab"); }

TEST(TemplateRender, DottedNames) {
  EXPECT_EQ(render("{{site.domain}} {{#call_servers}}{{name}}.{{site.domain}} {{/call_servers}}"),
            "example.org cs1.example.org cs2.example.org ");
}

TEST(TemplateRender, StandaloneSectionLinesRemoved) {
  EXPECT_EQ(render("begin\n"
                   "{{#call_servers}}\n"
                   "  server {{name}}\n"
                   "  {{/call_servers}}  \n"
                   "end\n"),
            "begin\n"
            "  server cs1\n"
            "  server cs2\n"
            "end\n");
}

TEST(TemplateRender, StandaloneLinesRemovedWithCrLf) {
  EXPECT_EQ(render("a\r\n  {{#site}}\t \r\n{{domain}}\r\n\t{{/site}}\r\n{{^lines}}\r\nnone\r\n{{/lines}}\r\nb"),
            "a\r\nexample.org\r\nnone\r\nb");
}

TEST(TemplateRender, StandaloneOnFirstAndLastLine) {
  EXPECT_EQ(render("  {{#site}}\n{{domain}}\n  {{/site}}  "), "example.org\n");
  EXPECT_EQ(render("{{! first }}\nx\n{{! last }}"), "x\n");
}

TEST(TemplateRender, NonStandaloneSectionTagsKeepTheirLine) {
  EXPECT_EQ(render("x {{#site}}\n{{domain}}{{/site}} y\n"), "x \nexample.org y\n");
  // Two tags on one line: neither is alone on it.
  EXPECT_EQ(render("  {{#site}}{{/site}}\nz"), "  \nz");
  // A lone \r is not a line ending.
  EXPECT_EQ(render("{{#site}}\rx{{/site}}"), "\rx");
}

TEST(TemplateRender, ValueTagsAreNeverStandalone) { EXPECT_EQ(render("  {{empty}}\n{{{empty}}}\n"), "  \n\n"); }

TEST(TemplateRender, Comments) {
  EXPECT_EQ(render("a{{! note }}b\n"
                   "{{! standalone\n"
                   "    and spanning lines }}\n"
                   "c {{!}}\n"),
            "ab\n"
            "c \n");
}

TEST(TemplateRender, DataItemWithoutAFieldDoesNotFallBackToTheOuterScope) {
  // The schema gives call servers a "name"; an item without one must not show the phone's name.
  Object d = data();
  d.set_list("call_servers", {Object().set("address", "10.0.0.9")});
  EXPECT_EQ(render("{{#call_servers}}[{{name}}]{{address}}{{/call_servers}}", Escape::none, d), "[]10.0.0.9");
}

TEST(TemplateRender, DataOfAnotherKindThanTheSchemaIsMissing) {
  Object d = data();
  d.set("site", "not an object").set("call_servers", "x");
  EXPECT_EQ(
      render("{{#site}}{{domain}}{{/site}}|{{site.domain}}|{{^call_servers}}none{{/call_servers}}", Escape::none, d),
      "||none");
  EXPECT_EQ(render("[{{hostname}}]", Escape::none, Object()), "[]");
}

TEST(TemplateRender, CompiledTemplateIsReusableAndMovable) {
  auto compiled = Template::compile("{{hostname}}{{#site}}@{{domain}}{{/site}}", schema());
  ASSERT_TRUE(compiled.ok());
  Template t = std::move(compiled.value());
  Template moved = std::move(t);
  EXPECT_EQ(moved.render(data(), Escape::none).value(), "vm40ic1@example.org");
  EXPECT_EQ(moved.render(Object().set("hostname", "b"), Escape::xml).value(), "b");
}

TEST(TemplateRender, OutputLimitIsExactAndCountsEscapes) {
  Limits limits;
  limits.max_output = 7;
  auto t = Template::compile("{{hostname}}", schema(), limits);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->render(data(), Escape::none).value(), "vm40ic1");
  limits.max_output = 6;
  t = Template::compile("{{hostname}}", schema(), limits);
  ASSERT_TRUE(t.ok());
  auto out = t->render(data(), Escape::none);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error(), "output is larger than 6 bytes (a list section nested in itself?)");

  // "s3cr&t<>\"'" is 10 bytes raw and 30 escaped: the limit applies to the escaped bytes.
  limits.max_output = 29;
  t = Template::compile("{{password}}", schema(), limits);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->render(data(), Escape::none).value(), "s3cr&t<>\"'");
  EXPECT_FALSE(t->render(data(), Escape::xml).ok());
  limits.max_output = 30;
  t = Template::compile("{{password}}", schema(), limits);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->render(data(), Escape::xml).value(), "s3cr&amp;t&lt;&gt;&quot;&apos;");
}

// 8 lists nested in themselves over 10 items would be 10^8 bodies: the limit must stop it at once.
std::string nested(std::string_view body) {
  std::string text;
  for (int i = 0; i < 8; ++i) text += "{{#call_servers}}";
  text += body;
  for (int i = 0; i < 8; ++i) text += "{{/call_servers}}";
  return text;
}

Object ten_servers() {
  std::vector<Object> servers(10, Object().set("name", "n").set("address", "192.0.2.1"));
  return data().set_list("call_servers", servers);
}

TEST(TemplateRender, NestedListExplosionStopsAtMaxOutput) {
  Limits limits;
  limits.max_output = 1000;
  auto t = Template::compile(nested("{{address}}\n"), schema(), limits);
  ASSERT_TRUE(t.ok());
  auto out = t->render(ten_servers(), Escape::none);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error(), "output is larger than 1000 bytes (a list section nested in itself?)");
}

TEST(TemplateRender, NestedListExplosionWithoutOutputStopsToo) {
  Limits limits;
  limits.max_output = 1000;
  auto t = Template::compile(nested(""), schema(), limits);
  ASSERT_TRUE(t.ok());
  auto out = t->render(ten_servers(), Escape::none);
  ASSERT_FALSE(out.ok());
  // 1000 bytes + 8 nodes + 65536 of slack.
  EXPECT_EQ(out.error(), "rendering took more than 66544 steps (a list section nested in itself?)");
}

TEST(TemplateRender, DepthUpToMaxDepthCompilesAndRenders) {
  Limits limits;
  limits.max_depth = 8;
  auto t = Template::compile(nested("{{name}}"), schema(), limits);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->render(data(), Escape::none).value().size(), 256u * 3u);  // 2^8 bodies of "cs1" or "cs2"
}

// ---- Compile errors: line:column of the offending tag's "{{" ----

TEST(TemplateCompile, UnclosedTag) {
  EXPECT_EQ(compile_error("a\n  {{hostname\n}"), "2:3: '{{' is not closed");
  EXPECT_EQ(compile_error("{{! a comment without end"), "1:1: '{{' is not closed");
}

TEST(TemplateCompile, TripleWithoutThirdBrace) {
  EXPECT_EQ(compile_error("x {{{hostname}} y"), "1:3: '{{{' is closed by '}}': write '}}}'");
  EXPECT_EQ(compile_error("{{{hostname}}"), "1:1: '{{{' is closed by '}}': write '}}}'");
}

TEST(TemplateCompile, EmptyName) {
  EXPECT_EQ(compile_error("{{}}"), "1:1: empty name in '{{}}'");
  EXPECT_EQ(compile_error("ab{{  }}"), "1:3: empty name in '{{}}'");
  EXPECT_EQ(compile_error("{{# }}"), "1:1: empty name in '{{#}}'");
  EXPECT_EQ(compile_error("{{{ }}}"), "1:1: empty name in '{{{}}}'");
  EXPECT_EQ(compile_error("{{&}}"), "1:1: empty name in '{{&}}'");
}

TEST(TemplateCompile, BadCharactersInName) {
  EXPECT_EQ(compile_error("\n\n  x {{host name}}"),
            "3:5: bad name 'host name' (names are letters, digits, '_', '-' and '.')");
  EXPECT_EQ(compile_error(std::string_view("{{a\0b}}", 7)),
            "1:1: bad name 'a\\x00b' (names are letters, digits, '_', '-' and '.')");
  EXPECT_EQ(compile_error("{{h\xc3\xa9}}"),
            "1:1: bad name 'h\\xc3\\xa9' (names are letters, digits, '_', '-' and '.')");
  EXPECT_EQ(compile_error("{{#a b}}"), "1:1: bad name 'a b' (names are letters, digits, '_', '-' and '.')");
}

TEST(TemplateCompile, BadDots) {
  EXPECT_EQ(compile_error("{{.}}"), "1:1: '{{.}}' is not supported: name the field");
  EXPECT_EQ(compile_error("{{site..domain}}"), "1:1: bad name 'site..domain' (a dot must join two names)");
  EXPECT_EQ(compile_error("{{.site}}"), "1:1: bad name '.site' (a dot must join two names)");
  EXPECT_EQ(compile_error("{{site.}}"), "1:1: bad name 'site.' (a dot must join two names)");
}

TEST(TemplateCompile, UnknownName) {
  EXPECT_EQ(compile_error("password={{pasword}}"), "1:10: unknown name 'pasword'");
  EXPECT_EQ(compile_error("{{#servers}}{{/servers}}"), "1:1: unknown name 'servers'");
  // Column in bytes: "é" is two.
  EXPECT_EQ(compile_error("\xc3\xa9{{x}}"), "1:3: unknown name 'x'");
}

TEST(TemplateCompile, DottedNameWithMissingPart) {
  EXPECT_EQ(compile_error("{{site.domian}}"), "1:1: unknown name 'site.domian': 'site' has no 'domian'");
  EXPECT_EQ(compile_error("{{hostname.x}}"), "1:1: unknown name 'hostname.x': 'hostname' is a text");
  EXPECT_EQ(compile_error("{{site.domain.x}}"), "1:1: unknown name 'site.domain.x': 'site.domain' is a text");
  EXPECT_EQ(compile_error("{{call_servers.name}}"), "1:1: unknown name 'call_servers.name': 'call_servers' is a list");
  EXPECT_EQ(compile_error("{{nowhere.x}}"), "1:1: unknown name 'nowhere.x'");
}

TEST(TemplateCompile, NamesResolveOnlyWhereTheSchemaPutsThem) {
  EXPECT_EQ(compile_error("{{address}}"), "1:1: unknown name 'address'");
  EXPECT_EQ(compile_error("{{#call_servers}}{{domain}}{{/call_servers}}"), "1:18: unknown name 'domain'");
  // An inverted section and a text section bring nothing into scope.
  EXPECT_EQ(compile_error("{{^call_servers}}{{address}}{{/call_servers}}"), "1:18: unknown name 'address'");
  EXPECT_EQ(compile_error("{{#hostname}}{{domain}}{{/hostname}}"), "1:14: unknown name 'domain'");
  // After the section closes its fields are gone again.
  EXPECT_EQ(compile_error("{{#site}}{{/site}}{{domain}}"), "1:19: unknown name 'domain'");
}

TEST(TemplateCompile, ListOrObjectAsValue) {
  EXPECT_EQ(compile_error("{{call_servers}}"),
            "1:1: 'call_servers' is a list: use {{#call_servers}}...{{/call_servers}}");
  EXPECT_EQ(compile_error("x\n{{{call_servers}}}"),
            "2:1: 'call_servers' is a list: use {{#call_servers}}...{{/call_servers}}");
  EXPECT_EQ(compile_error("{{& site}}"), "1:1: 'site' is an object: use {{#site}}...{{/site}} or {{site.field}}");
}

TEST(TemplateCompile, InvertedObjectWouldNeverRender) {
  EXPECT_EQ(compile_error("{{^site}}x{{/site}}"),
            "1:1: 'site' is an object, never empty: '{{^site}}' would never render");
}

TEST(TemplateCompile, ClosingTagThatDoesNotMatch) {
  EXPECT_EQ(compile_error("{{#call_servers}}\n"
                          "{{#site}}\n"
                          "{{/call_servers}}\n"),
            "3:1: '{{/call_servers}}' closes '{{#site}}' opened at 2:1");
  EXPECT_EQ(compile_error("\n\n  {{^lines}}{{/ line }}"), "3:13: '{{/line}}' closes '{{^lines}}' opened at 3:3");
}

TEST(TemplateCompile, ClosingTagWithNothingOpen) {
  EXPECT_EQ(compile_error("a\n{{#site}}{{/site}} {{/site}}"), "2:20: '{{/site}}' closes nothing: no section is open");
}

TEST(TemplateCompile, SectionNotClosed) {
  EXPECT_EQ(compile_error("x\n    {{#lines}}\n{{number}}\n"), "2:5: '{{#lines}}' opened at 2:5 is not closed");
  // The innermost one is named.
  EXPECT_EQ(compile_error("{{#site}}{{^empty}}"), "1:10: '{{^empty}}' opened at 1:10 is not closed");
}

TEST(TemplateCompile, NestingDeeperThanMaxDepth) {
  Limits limits;
  limits.max_depth = 2;
  EXPECT_EQ(compile_error("{{#site}}{{#site}}{{/site}}{{/site}}", limits), "compiled");
  EXPECT_EQ(compile_error("{{#site}}{{#site}}\n{{#site}}", limits), "2:1: sections are nested deeper than 2");
  limits.max_depth = 0;
  EXPECT_EQ(compile_error("ok {{hostname}} {{^empty}}", limits), "1:17: sections are nested deeper than 0");
  EXPECT_EQ(compile_error(nested("")), "compiled");  // the default is 32
}

TEST(TemplateCompile, DelimiterChangesAndPartialsAreNotSupported) {
  EXPECT_EQ(compile_error("{{=<% %>=}}"), "1:1: delimiter changes ('{{=...=}}') are not supported");
  EXPECT_EQ(compile_error("x {{> footer}}"), "1:3: partials are not supported");
}

TEST(TemplateCompile, FirstErrorWins) {
  EXPECT_EQ(compile_error("{{#site}}\n{{pasword}} {{/x}} {{"), "2:1: unknown name 'pasword'");
}

TEST(TemplateCompile, ErrorAfterMultilineComment) {
  EXPECT_EQ(compile_error("{{! a\nlong\ncomment }}{{x}}"), "3:11: unknown name 'x'");
}

TEST(TemplateCompile, LongNamesAreCutInMessages) {
  const std::string name(100, 'a');
  EXPECT_EQ(compile_error("{{" + name + "}}"), "1:1: unknown name '" + std::string(40, 'a') + "...'");
}

TEST(TemplateCompile, HugeAndHostileInputNeverThrows) {
  EXPECT_EQ(compile_error(std::string(1 << 20, '{')), "1:1: '{{' is not closed");
  EXPECT_EQ(compile_error(std::string(1 << 20, '}')), "compiled");
  std::string many;
  for (int i = 0; i < 100000; ++i) many += "{{#site}}";
  EXPECT_EQ(compile_error(many), "1:289: sections are nested deeper than 32");
  EXPECT_EQ(compile_error(std::string("\0\xff{{\xfe}}", 7)),
            "1:3: bad name '\\xfe' (names are letters, digits, '_', '-' and '.')");
}

TEST(TemplateCompile, EmptySchemaListBringsNothingIntoScope) {
  auto t = Template::compile("{{#x}}{{y}}{{/x}}", Object().set_list("x", {}).set("y", ""));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->render(Object().set_list("x", {Object(), Object()}).set("y", "Y"), Escape::none).value(), "YY");
}

// ---- detect_escape ----

TEST(TemplateDetectEscape, XmlWhenFirstCharacterIsAngleBracket) {
  EXPECT_EQ(detect_escape("<?xml version=\"1.0\"?>"), Escape::xml);
  EXPECT_EQ(detect_escape(" \t\r\n<device>"), Escape::xml);
  EXPECT_EQ(detect_escape("\xEF\xBB\xBF<x/>"), Escape::xml);
  EXPECT_EQ(detect_escape("\xEF\xBB\xBF\n  <x/>"), Escape::xml);
}

TEST(TemplateDetectEscape, NoneOtherwise) {
  EXPECT_EQ(detect_escape(""), Escape::none);
  EXPECT_EQ(detect_escape("   \n"), Escape::none);
  EXPECT_EQ(detect_escape("\xEF\xBB\xBF"), Escape::none);
  EXPECT_EQ(detect_escape("#!version:1.0.0.1\naccount.1.label = <x>"), Escape::none);
  EXPECT_EQ(detect_escape("\xEF\xBB<x/>"), Escape::none);                  // half a BOM is text
  EXPECT_EQ(detect_escape("\xEF\xBB\xBF\xEF\xBB\xBF<x/>"), Escape::none);  // one BOM only
  EXPECT_EQ(detect_escape("{{! comment }}<x/>"), Escape::none);
}

// ---- Object builders ----

TEST(TemplateObject, BuildersReplaceFieldsOfTheSameName) {
  Object o;
  o.set("a", "1").set("a", "2");
  ASSERT_EQ(o.fields.size(), 1u);
  EXPECT_EQ(o.fields.at("a").kind, Value::Kind::text);
  EXPECT_EQ(o.fields.at("a").text, "2");

  o.set_list("a", {Object().set("x", "1"), Object()});
  EXPECT_EQ(o.fields.at("a").kind, Value::Kind::list);
  EXPECT_EQ(o.fields.at("a").items.size(), 2u);
  EXPECT_EQ(o.fields.at("a").text, "");

  o.set_object("a", Object().set("y", "z"));
  EXPECT_EQ(o.fields.at("a").kind, Value::Kind::object);
  ASSERT_EQ(o.fields.at("a").items.size(), 1u);
  EXPECT_EQ(o.fields.at("a").items[0].fields.at("y").text, "z");
  EXPECT_EQ(o.fields.size(), 1u);
}

}  // namespace
}  // namespace pb::tmpl
