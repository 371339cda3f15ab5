#pragma once
// Voice markup for IVR platforms: the rendered IVR text wrapped as SSML 1.1,
// VoiceXML 2.1 or TwiML, so that whatever platform a contact centre runs can
// speak the announcement as it stands. Every piece of text is escaped here and
// nowhere else; this code never renders placeholders, chooses texts or talks
// to a platform.
#include <string>
#include <string_view>

namespace outagedesk::domain {

// Escapes & < > " ' for element content and attribute values alike. Bytes
// that XML 1.0 forbids (most C0 controls) are dropped and invalid UTF-8 is
// replaced by U+FFFD, so the document stays well-formed whatever ops typed.
std::string xml_escape(std::string_view text);

// BCP 47 tag the platforms expect: "es" -> "es-ES", "en" -> "en-GB",
// anything else unchanged.
std::string voice_language(std::string_view lang);

// Paragraphs of `text` (separated by blank lines) become <p> elements in
// SSML and VoiceXML, and one <Say> each in TwiML.
std::string to_ssml(std::string_view text, std::string_view lang);
std::string to_voicexml(std::string_view text, std::string_view lang);
std::string to_twiml(std::string_view text, std::string_view lang);

}  // namespace outagedesk::domain
