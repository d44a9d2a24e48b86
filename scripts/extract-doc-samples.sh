#!/usr/bin/env bash
# Extracts the fenced code blocks marked as samples (```kotlin sample, ```swift sample) from a
# Markdown guide into one source file per block, so the test command compiles (and runs) every
# sample a guide shows. A guide without a single sample block is an error: a guide whose samples
# were renamed or lost must not pass silently.
#
#   bash scripts/extract-doc-samples.sh LANG DOC OUT_DIR [KOTLIN_PACKAGE]
#
# LANG is `kotlin` or `swift`. Files are written as OUT_DIR/<doc-name>_<n>.kt|.swift (the
# directory is emptied of that doc's earlier files first). A Kotlin block without a `package`
# line gets `package KOTLIN_PACKAGE` (default org.linkwork.samples) prepended, so the blocks of
# a guide share one package, as its prose assumes. Used by tests/kotlin/run.sh and
# tests/swift/run.sh.
set -euo pipefail

die() { echo "extract-doc-samples.sh: $*" >&2; exit 1; }
[[ $# -ge 3 ]] || die "usage: LANG DOC OUT_DIR [KOTLIN_PACKAGE]"
lang=$1 doc=$2 out=$3 package=${4:-org.linkwork.samples}
case $lang in
  kotlin) ext=kt ;;
  swift) ext=swift ;;
  *) die "unknown language $lang (kotlin or swift)" ;;
esac
[[ -f $doc ]] || die "no such guide: $doc"
name=$(basename "$doc" .md | tr -c 'A-Za-z0-9\n' '_')
mkdir -p "$out"
rm -f "$out/${name}"_*."$ext"

count=$(awk -v lang="$lang" -v ext="$ext" -v out="$out" -v name="$name" -v pkg="$package" '
  function flush() {
    if (lang == "kotlin" && body !~ /(^|\n)package /) body = "package " pkg "\n\n" body
    file = sprintf("%s/%s_%02d.%s", out, name, n, ext)
    printf "// Extracted from %s, sample %d: edit the guide, not this file.\n%s", src, n, body > file
    close(file)
  }
  BEGIN { inside = 0; n = 0; src = ARGV[1] }
  !inside && $0 ~ "^```" lang "[ \t]+sample[ \t]*$" { inside = 1; n++; body = ""; next }
  inside && /^```[ \t]*$/ { inside = 0; flush(); next }
  inside { body = body $0 "\n" }
  END {
    if (inside) { print "unterminated sample block " n > "/dev/stderr"; exit 2 }
    print n
  }
' "$doc")
[[ $count -gt 0 ]] || die "$doc has no \`\`\`$lang sample blocks"
echo "$count"
