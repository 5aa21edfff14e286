/*
 * report_assets.S - the parts of pardo report's page, linked into pardo:
 * the chart libraries that the build fetches from the npm registry into
 * npm/ (Makefile: VEGA_PKGS) and the page's own style and script
 * (cli/report/).  Each is a symbol at its first byte and NAME_end after its
 * last; report.c copies them into the page as they are.
 */
#define ASSET(name, file)         \
    .globl name, name##_end;      \
    .balign 16;                   \
name:                             \
    .incbin file;                 \
name##_end:                       \
    .byte 0

    .section .rodata
ASSET(report_asset_css, "cli/report/report.css")
ASSET(report_asset_js, "cli/report/report.js")
ASSET(report_asset_vega, "npm/node_modules/vega/build/vega.min.js")
ASSET(report_asset_vega_lite, "npm/node_modules/vega-lite/build/vega-lite.min.js")
ASSET(report_asset_vega_embed, "npm/node_modules/vega-embed/build/vega-embed.min.js")

    .section .note.GNU-stack, "", @progbits
