#pragma once
// `phoneboot render`: the per-phone files provisiond renders from provisiond.templates and the inventory
// (common/phone_template.hpp), shown before a phone asks for one, so an administrator can read what a phone
// will get without rebooting it.
//   phoneboot render            one line per file: name, size, template, inventory line, phone
//   phoneboot render NAME       that file's bytes, exactly as provisiond serves them (name in any case)
//   phoneboot render MAC        the lines of the files rendered for that phone (any MAC spelling)
#include <string>

#include "common/config/model.hpp"
#include "common/phone_template.hpp"

namespace pb::tools {

struct RenderOutput {
  int exit_code = 0;
  std::string out;  // stdout
  std::string err;  // stderr
};

// `what` is empty, a rendered file's name or a MAC address.
RenderOutput render_files(const config::Model& model, const phone_template::Rendered& rendered,
                          const std::string& what);

// Renders the model's templates and prints render_files' answer; the exit code.
int print_rendered(const config::Model& model, const std::string& what);

}  // namespace pb::tools
