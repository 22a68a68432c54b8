// The template engine (common/template.hpp) on any bytes: compile never throws; an error points at a "{{" of
// the input; text without "{{" compiles and renders to itself; what compiles renders with 0 to 3 list items
// and both escapes within Limits::max_output, the same twice, and, for data without XML-special characters,
// the same with either escape.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/template.hpp"

using namespace pb::tmpl;

namespace {

constexpr std::size_t kMaxOutput = 16 * 1024;  // small, so a list nested in itself stops fast

Object schema() {
  return Object()
      .set("hostname", "")
      .set("password", "")
      .set("label", "")
      .set_list("call_servers", {Object().set("name", "").set("address", "")})
      .set_object("site", Object().set("domain", ""));
}

// `special` puts every character Escape::xml rewrites into the values.
Object data(int servers, bool special) {
  std::vector<Object> list;
  for (int i = 0; i < servers; ++i) {
    const std::string n = std::to_string(i + 1);
    list.push_back(Object().set("name", special ? "cs&'" + n : "cs" + n).set("address", "10.0.0." + n));
  }
  return Object()
      .set("hostname", special ? "<vm40ic1>" : "vm40ic1")
      .set("password", "")  // empty, so sections skip and inverted sections render
      .set("label", special ? "\"Lobby\"" : "Lobby")
      .set_list("call_servers", std::move(list))
      .set_object("site", Object().set("domain", "example.org"));
}

// The error's line and column must land on the "{{" of the tag it blames.
void check_error_position(std::string_view text, const Error& error) {
  if (error.line == 0 || error.column == 0 || error.message.empty()) std::abort();
  std::size_t line_start = 0;
  for (std::size_t line = 1; line < error.line; ++line) {
    line_start = text.find('\n', line_start);
    if (line_start == std::string_view::npos) std::abort();
    ++line_start;
  }
  if (text.substr(line_start + error.column - 1, 2) != "{{") std::abort();
}

pb::Result<std::string, std::string> render_checked(const Template& t, const Object& values, Escape escape) {
  auto out = t.render(values, escape);
  if (out && out->size() > kMaxOutput) std::abort();
  if (!out && out.error().empty()) std::abort();
  return out;
}

bool same(const pb::Result<std::string, std::string>& a, const pb::Result<std::string, std::string>& b) {
  if (a.ok() != b.ok()) return false;
  return a.ok() ? a.value() == b.value() : a.error() == b.error();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(bytes), size);
  Limits limits;
  limits.max_output = kMaxOutput;
  auto compiled = Template::compile(text, schema(), limits);
  if (!compiled) {
    if (text.find("{{") == std::string_view::npos) std::abort();
    check_error_position(text, compiled.error());
    return 0;
  }
  const Template& t = compiled.value();
  if (text.find("{{") == std::string_view::npos) {
    const auto out = render_checked(t, data(1, true), Escape::xml);
    if (text.size() <= kMaxOutput ? !out || out.value() != text : out.ok()) std::abort();
    return 0;
  }
  for (int servers = 0; servers <= 3; ++servers) {
    const auto plain = render_checked(t, data(servers, false), Escape::none);
    if (!same(plain, render_checked(t, data(servers, false), Escape::xml))) std::abort();
    const auto special = render_checked(t, data(servers, true), Escape::xml);
    if (!same(special, render_checked(t, data(servers, true), Escape::xml))) std::abort();
  }
  return 0;
}
