// libFuzzer target: postcode and phone normalisation. Normalising twice
// changes nothing, and results keep their documented shape.
#include "outagedesk/domain/postcode.hpp"

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>

using namespace outagedesk::domain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    if (auto postcode = normalise_postcode(text)) {
        if (postcode->size() < 2 || postcode->size() > 10) std::abort();
        for (char c : *postcode)
            if (!std::isdigit(static_cast<unsigned char>(c)) && !std::isupper(static_cast<unsigned char>(c))) std::abort();
        if (normalise_postcode(*postcode) != postcode) std::abort();
    }
    if (auto phone = normalise_phone(text, "34")) {
        if (phone->empty() || phone->front() != '+' || phone->size() < 9 || phone->size() > 16) std::abort();
        if (normalise_phone(*phone, "34") != phone) std::abort();
    }
    return 0;
}
