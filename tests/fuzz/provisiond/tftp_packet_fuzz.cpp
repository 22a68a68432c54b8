// The TFTP packet parser: never crash, never read past the datagram; whatever parses is rebuilt and parses
// again to the same values (requests, OACK, ACK, ERROR), and requests go through option negotiation.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "provisiond/tftp_codec.hpp"
#include "provisiond/tftp_transfer.hpp"

using namespace pb::prov::tftp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto p = parse(std::span(data, size));
  if (!p) return 0;
  std::vector<std::uint8_t> out(70000);
  switch (p->opcode) {
    case Opcode::Rrq:
    case Opcode::Wrq: {
      const std::size_t n = build_request(out, p->request);
      if (n == 0) break;  // a long name plus options may not fit one packet
      auto again = parse(std::span(out.data(), n));
      if (!again || again->request.filename != p->request.filename || again->request.mode != p->request.mode ||
          again->request.write != p->request.write || !(again->request.options == p->request.options))
        std::abort();
      Limits limits;
      auto n2 = negotiate(p->request, 12345, limits);
      if (n2 && (n2->blksize < kMinBlksize || n2->blksize > limits.max_blksize || n2->windowsize < 1 ||
                 n2->windowsize > limits.max_windowsize))
        std::abort();
      break;
    }
    case Opcode::Oack: {
      const std::size_t n = build_oack(out, p->oack);
      auto again = parse(std::span(out.data(), n));
      if (!again || !(again->oack == p->oack)) std::abort();
      break;
    }
    case Opcode::Ack: {
      const std::size_t n = build_ack(out, p->block);
      auto again = parse(std::span(out.data(), n));
      if (!again || again->block != p->block) std::abort();
      break;
    }
    case Opcode::Error: {
      const std::size_t n = build_error(out, p->error, p->message);
      if (n == 0 || n > 4 + 201) std::abort();
      break;
    }
    case Opcode::Data:
      if (p->data.size() != size - 4) std::abort();
      break;
  }
  return 0;
}
