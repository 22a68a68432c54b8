#include "tools/phoneboot-sim/address.hpp"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pb::sim {
namespace {

// One RTM_NEWADDR or RTM_DELADDR request; returns 0 or the kernel's errno.
int change_address(int type, int flags, int index, Ipv4Address address, int prefix) {
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return errno;
  struct {
    nlmsghdr header;
    ifaddrmsg body;
    char attributes[64];
  } request{};
  request.header.nlmsg_type = static_cast<std::uint16_t>(type);
  request.header.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
  request.header.nlmsg_seq = 1;
  request.body.ifa_family = AF_INET;
  request.body.ifa_prefixlen = static_cast<unsigned char>(prefix);
  request.body.ifa_index = static_cast<unsigned>(index);
  const std::uint32_t value = htonl(address.value);
  std::size_t length = NLMSG_LENGTH(sizeof(ifaddrmsg));
  for (const auto kind : {IFA_LOCAL, IFA_ADDRESS}) {
    auto* attribute = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&request) + NLMSG_ALIGN(length));
    attribute->rta_type = kind;
    attribute->rta_len = RTA_LENGTH(sizeof value);
    std::memcpy(RTA_DATA(attribute), &value, sizeof value);
    length = NLMSG_ALIGN(length) + RTA_ALIGN(attribute->rta_len);
  }
  request.header.nlmsg_len = static_cast<std::uint32_t>(length);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  int result = 0;
  if (::sendto(fd, &request, length, 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0) {
    result = errno;
  } else {
    char reply[512];
    const ssize_t n = ::recv(fd, reply, sizeof reply, 0);
    const auto* h = reinterpret_cast<const nlmsghdr*>(reply);
    if (n < 0)
      result = errno;
    else if (n >= static_cast<ssize_t>(NLMSG_LENGTH(sizeof(nlmsgerr))) && h->nlmsg_type == NLMSG_ERROR)
      result = -static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
  }
  ::close(fd);
  return result;
}

}  // namespace

LeasedAddress::LeasedAddress(const std::string& interface, Ipv4Address address, int prefix)
    : index_(static_cast<int>(::if_nametoindex(interface.c_str()))), address_(address), prefix_(prefix) {
  if (index_ == 0) {
    error_ = "no interface '" + interface + "'";
    return;
  }
  const int e = change_address(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, index_, address_, prefix_);
  if (e == 0)
    added_ = true;
  else if (e != EEXIST)
    error_ = "cannot add " + address.str() + " to '" + interface + "': " + std::strerror(e);
}

LeasedAddress::~LeasedAddress() {
  if (added_) change_address(RTM_DELADDR, 0, index_, address_, prefix_);
}

}  // namespace pb::sim
