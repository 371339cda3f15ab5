#pragma once
// Names threads, as `top -H`, `ps -L`, perf and gdb show them ("od-writer",
// "od-io-1", …). Linux keeps 15 characters; longer names are cut.
#include <string>
#include <thread>
#include <utility>

namespace outagedesk::platform {

void name_this_thread(const std::string& name) noexcept;

// A thread that names itself, then runs `body`.
template <class Body>
std::thread named_thread(std::string name, Body body) {
    return std::thread([name = std::move(name), body = std::move(body)]() mutable {
        name_this_thread(name);
        body();
    });
}

}  // namespace outagedesk::platform
