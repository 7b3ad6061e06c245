#include "tokenizer/nfc_check.h"

#include <stdint.h>

#include "tokenizer/utf8.h"
#include "util/err.h"

/* Code points with canonical combining class 0 that NFC maps to themselves
 * and that are never the second character of a canonical two-character
 * decomposition (so they cannot compose with what precedes them). For text
 * made only of these, the NFC quick check answers "yes": the text is already
 * NFC. Computed from Python's unicodedata (Unicode 14.0) over the blocks
 * listed; code points elsewhere are treated as unsafe. */
static const uint32_t kSafe[][2] = {
    {0x0, 0x2FF},       {0x34F, 0x34F},     {0x370, 0x373},     {0x375, 0x37D},     {0x37F, 0x386},
    {0x388, 0x482},     {0x488, 0x52F},     {0x1E00, 0x1F70},   {0x1F72, 0x1F72},   {0x1F74, 0x1F74},
    {0x1F76, 0x1F76},   {0x1F78, 0x1F78},   {0x1F7A, 0x1F7A},   {0x1F7C, 0x1F7C},   {0x1F7E, 0x1FBA},
    {0x1FBC, 0x1FBD},   {0x1FBF, 0x1FC8},   {0x1FCA, 0x1FCA},   {0x1FCC, 0x1FD2},   {0x1FD4, 0x1FDA},
    {0x1FDC, 0x1FE2},   {0x1FE4, 0x1FEA},   {0x1FEC, 0x1FED},   {0x1FF0, 0x1FF8},   {0x1FFA, 0x1FFA},
    {0x1FFC, 0x1FFC},   {0x1FFE, 0x1FFF},   {0x2002, 0x20CF},   {0x20DD, 0x20E0},   {0x20E2, 0x20E4},
    {0x20F1, 0x2125},   {0x2127, 0x2129},   {0x212C, 0x2328},   {0x232B, 0x2ADB},   {0x2ADD, 0x2BFF},
    {0x3000, 0x3029},   {0x3030, 0x3098},   {0x309B, 0x30FF},   {0x4E00, 0x9FFF},   {0xAC00, 0xD7A3},
    {0xFF00, 0xFFEF},   {0x1F000, 0x1FAFF},
};

static int is_safe(uint32_t cp) {
    size_t lo = 0, hi = sizeof kSafe / sizeof kSafe[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < kSafe[mid][0]) hi = mid;
        else if (cp > kSafe[mid][1]) lo = mid + 1;
        else return 1;
    }
    return 0;
}

int nfc_check_unchanged(const char *text, size_t len) {
    const unsigned char *s = (const unsigned char *)text;
    size_t at = 0;
    while (at < len) {
        if (s[at] < 0x80) {
            at++;
            continue;
        }
        uint32_t cp;
        int n = utf8_decode(s + at, len - at, &cp);
        if (n == 0) {
            at++;
            continue;
        }
        if (!is_safe(cp))
            return dusk_error("the tokenizer's normalizer is NFC, which dusk does not implement, and the text has "
                              "U+%04X at byte %zu, which NFC might change",
                              (unsigned)cp, at);
        at += (size_t)n;
    }
    return 0;
}
