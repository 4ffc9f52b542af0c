#!/usr/bin/env bash
# Builds the Debian package dist/tradectl_<version>-<revision>_<arch>.deb (docs/install.md).
#
#   bash scripts/package.sh [--skip-build] [--no-lintian]
#
# The binary is a release build with the Swift runtime and Foundation linked statically
# (the target machine needs no Swift toolchain), stripped, with the git commit patched in.
# Man pages come from the argument parser's own definitions (swift-argument-parser's
# generate-manual), completions from `tradectl --generate-completion-script`, Depends:
# from the libraries the binary really loads (ldd → dpkg -S, versions by dpkg-shlibdeps).
#
# Environment: DEB_REVISION (default 1), DEBFULLNAME / DEBEMAIL (default: git config
# user.name / user.email), SOURCE_DATE_EPOCH (default: the commit's date; every
# timestamp in the package is this one, so two runs on one commit give the same files).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

skip_build=0 lintian=1
for arg in "$@"; do
    case "$arg" in
    --skip-build) skip_build=1 ;;
    --no-lintian) lintian=0 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package: unknown argument $arg (see --help)" >&2; exit 64 ;;
    esac
done
say() { echo "==> $*" >&2; }
die() { echo "package: $*" >&2; exit 1; }

# ---------------------------------------------------------------- tools

tools=(dpkg-deb:dpkg objcopy:binutils strip:binutils gzip:gzip dpkg-shlibdeps:dpkg-dev)
[ $lintian -eq 1 ] && tools+=(lintian:lintian)
missing=()
for entry in "${tools[@]}"; do command -v "${entry%%:*}" >/dev/null || missing+=("${entry#*:}"); done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
scripts/install-deps.sh
# Linking Foundation statically needs libcurl.so (FoundationNetworking: the health probes' URLSession).
if ! dpkg-query -W -f='${Status}' libcurl4-openssl-dev 2>/dev/null | grep -q "install ok installed"; then
    say "installing libcurl4-openssl-dev (to link FoundationNetworking statically)"
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libcurl4-openssl-dev >/dev/null
fi

# ---------------------------------------------------------------- version, commit, dates

# The one place the version lives: TradectlVersion.current in ReleaseMetadata.swift.
version=$(sed -n 's/^ *public static let current = "\([^"]*\)".*/\1/p' Sources/TradeKit/Release/ReleaseMetadata.swift)
[[ "$version" =~ ^[0-9]+(\.[0-9]+)*([~+][0-9A-Za-z.]+)?$ ]] || die "cannot read the version from ReleaseMetadata.swift (got '$version')"
revision=${DEB_REVISION:-1}
deb_version="$version-$revision"
arch=$(dpkg --print-architecture)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# A package built from uncommitted changes says so in --version.
if [ "$commit" != unknown ] && ! git diff --quiet HEAD -- Sources Package.swift templates runbooks calendars 2>/dev/null; then
    commit="$commit-dirty"
fi
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
maintainer_name=${DEBFULLNAME:-$(git config user.name || echo "tradectl maintainers")}
maintainer_mail=${DEBEMAIL:-$(git config user.email || echo "root@localhost")}
maintainer="$maintainer_name <$maintainer_mail>"

# ---------------------------------------------------------------- build

# The static release build (its flags live in scripts/build-release.sh, shared with bench/monitor.sh).
build=(scripts/build-release.sh)
if [ $skip_build -eq 0 ]; then
    say "building tradectl $version (release, Swift runtime static; several minutes on 2 cores)"
    mkdir -p .cache
    "${build[@]}" > .cache/package-build.log 2>&1 || {
        grep -E "error" .cache/package-build.log | head -n 20 >&2
        die "swift build failed (whole log: .cache/package-build.log)"
    }
    tail -n 1 .cache/package-build.log >&2
fi
built="$("${build[@]}" --show-bin-path)/tradectl"
[ -x "$built" ] || die "no release binary at $built (run without --skip-build)"

stage="$repo/.cache/package/root"
work="$repo/.cache/package/work"
rm -rf "$repo/.cache/package"
mkdir -p "$stage/DEBIAN" "$work"
umask 022

# ---------------------------------------------------------------- the binary

say "binary: commit $commit, stripped"
bin="$stage/usr/bin/tradectl"
install -D -m 0755 "$built" "$bin"
# The commit goes into the .tradectl_commit section (Sources/CLinux/clinux.c): same size, NUL-padded.
size=$(objdump -h "$bin" | awk '$2 == ".tradectl_commit" { print $3 }')
[ -n "$size" ] && [ $((16#$size)) = 41 ] || die "the binary has no 41-byte .tradectl_commit section (got '$size')"
head -c 41 /dev/zero > "$work/commit"
printf '%s' "${commit:0:40}" | dd of="$work/commit" conv=notrunc status=none
objcopy --update-section ".tradectl_commit=$work/commit" "$bin"
# As dh_strip does for executables.
strip --remove-section=.comment --remove-section=.note "$bin"

# Nothing from the toolchain: every library must come from a Debian package.
if ldd "$bin" | grep -E "/opt/swift|not found"; then die "the binary still needs the libraries above"; fi
said=$("$bin" --version)
[ "$said" = "tradectl $version (commit $commit)" ] || die "--version says: $said"

# ---------------------------------------------------------------- shipped files

say "templates, runbooks, calendars, docs"
install -d "$stage/usr/share/tradectl/templates" "$stage/usr/share/tradectl/runbooks" \
    "$stage/usr/share/tradectl/calendars"
install -m 0644 templates/*.mustache "$stage/usr/share/tradectl/templates/"
install -m 0644 runbooks/*.md "$stage/usr/share/tradectl/runbooks/"
install -m 0644 calendars/*.txt "$stage/usr/share/tradectl/calendars/"

doc="$stage/usr/share/doc/tradectl"
install -d "$doc/docs"
install -m 0644 README.md "$doc/"
install -m 0644 docs/*.md "$doc/docs/"
install -m 0644 packaging/debian/copyright "$doc/copyright"
# Only what this build is: the history is the git log of the source.
{
    echo "tradectl ($deb_version) bookworm; urgency=medium"
    echo
    echo "  * tradectl $version, built from commit $commit."
    echo "  * Changes: docs/ in this directory; the history is the git log of the source."
    echo
    echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} > "$work/changelog.Debian"
gzip -9n < "$work/changelog.Debian" > "$doc/changelog.Debian.gz"
# Not uploaded to Debian, so there is no ITP bug for the first changelog entry to close.
install -d "$stage/usr/share/lintian/overrides"
echo "tradectl: initial-upload-closes-no-bugs" > "$stage/usr/share/lintian/overrides/tradectl"
# Policy 12.3: documentation over 4 KiB compressed; README.md stays readable as is.
find "$doc/docs" -name '*.md' -size +4k -exec gzip -9n {} +

# ---------------------------------------------------------------- man pages

say "man pages (generate-manual, from the argument parser's definitions)"
# swift-argument-parser's generate-manual tool (what `swift package generate-manual` runs), built
# on its own and run on the staged binary: the plugin would rebuild everything without -static-stdlib.
swift build -c release --product generate-manual > "$work/generate-manual.log" 2>&1 || {
    tail -n 20 "$work/generate-manual.log" >&2
    die "cannot build swift-argument-parser's generate-manual"
}
generator="$(swift build -c release --show-bin-path)/generate-manual"
mkdir -p "$work/man"
"$generator" "$bin" --multi-page --section 1 --date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)" \
    --authors "$maintainer_name<$maintainer_mail>" --output-directory "$work/man"
# Debian conventions the generator does not follow, fixed in its output (nothing hand-written):
# subcommand pages named with dashes (man tradectl-backup-verify, as git-commit), a NAME line
# lexgrog/whatis can read (`.Nm tradectl-backup-verify`, the synopsis keeps "tradectl backup
# verify"), blank lines of the help text as .Pp, and help lines that begin with "." or "'"
# escaped so groff does not take them for macros.
tidy_man() {
    awk '
        /^\.(Dt|Xr) / { while (match($0, /[A-Za-z]\.[A-Za-z]/)) $0 = substr($0, 1, RSTART) "-" substr($0, RSTART + 2); print; next }
        /^\.Nm "/ && full == "" { full = substr($0, 6, length($0) - 6); dashed = full; gsub(/ /, "-", dashed); print ".Nm " dashed; next }
        /^\.Nm$/ && full != "" { print ".Nm \"" full "\""; next }
        /^\.Nd "/ { sub(/^\.Nd "/, ".Nd "); sub(/"$/, ""); print; next }
        /^$/ { print ".Pp"; next }
        /^\.\\"/ || /^\.[A-Z][a-z]+( |$)/ { print; next }
        /^[.\047]/ { print "\\&" $0; next }
        { print }
    ' "$1"
}
install -d "$stage/usr/share/man/man1"
for page in "$work"/man/*.1; do
    name=$(basename "$page" .1)
    dashed=${name//./-}
    tidy_man "$page" > "$work/$dashed.1"
    gzip -9n < "$work/$dashed.1" > "$stage/usr/share/man/man1/$dashed.1.gz"
done

# ---------------------------------------------------------------- completions

say "bash, zsh, fish completions"
install -d "$stage/usr/share/bash-completion/completions" "$stage/usr/share/zsh/vendor-completions" \
    "$stage/usr/share/fish/vendor_completions.d"
# A completion file is sourced, not run: no #! line (lintian bash-completion-with-hashbang).
"$bin" --generate-completion-script bash | sed '1{/^#!/d}' > "$stage/usr/share/bash-completion/completions/tradectl"
"$bin" --generate-completion-script zsh > "$stage/usr/share/zsh/vendor-completions/_tradectl"
"$bin" --generate-completion-script fish > "$stage/usr/share/fish/vendor_completions.d/tradectl.fish"

# ---------------------------------------------------------------- control

say "dependencies (ldd → dpkg -S)"
# The libraries the binary names itself (NEEDED); what they load in turn is their packages' business.
needed=$(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 }')
packages=()
while read -r soname path; do
    echo "$needed" | grep -qxF "$soname" || continue
    owner=$( (dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null) | head -n 1 || true)
    [ -n "$owner" ] || die "no Debian package owns $path"
    packages+=("${owner%%:*}")
    echo "    $soname → ${packages[-1]}" >&2
done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 } $1 ~ /^\// { n = split($1, p, "/"); print p[n], $1 }')
[ ${#packages[@]} -eq "$(echo "$needed" | wc -l)" ] || die "some NEEDED library was not found by ldd: $needed"
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
# The same packages with the minimum versions the binary needs, from their symbols files.
mkdir -p "$work/shlibs/debian"
printf 'Source: tradectl\n\nPackage: tradectl\nArchitecture: any\n' > "$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O "$bin" 2>/dev/null | sed -n 's/^shlibs:Depends=//p') || depends=""
versioned=$(echo "$depends" | tr ',' '\n' | sed 's/^ *//; s/ .*//' | sort -u | tr '\n' ' ')
if [ -z "$depends" ] || [ "$versioned" != "$(printf '%s ' "${packages[@]}")" ]; then
    say "dpkg-shlibdeps disagrees with ldd ('$versioned'); Depends: without versions"
    depends=$(printf '%s, ' "${packages[@]}"); depends=${depends%, }
fi

find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f ! -path "$bin" -exec chmod 0644 {} +
installed_size=$(du -s -k --apparent-size --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<EOF
Package: tradectl
Version: $deb_version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_size
Depends: $depends
Recommends: sqlite3, logrotate, rclone
Section: admin
Priority: optional
Description: deploy and operate algorithmic-trading systems under systemd
 tradectl is the one tool an operator needs to run an algorithmic-trading
 system on a Linux host under systemd. One config file (tradectl.toml)
 describes the deployment: the engine, its dashboard, position sync and batch
 jobs on timers. tradectl deploy turns it into releases, hardened systemd
 units and running services, and waits until every service is healthy.
 .
 Every mutating command probes the machine, builds a plan and either prints it
 (--dry-run) or applies it. Also: update with automatic rollback, online-
 consistent backups with verification and retention, restore, health checks,
 a monitor daemon with alerts (silences, acknowledgements, auto-halt) and
 metrics, a kill switch, SQLite maintenance, secrets rotation, an audit log
 and executable incident runbooks.
EOF
(cd "$stage" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# ---------------------------------------------------------------- build the .deb

mkdir -p dist
deb="dist/tradectl_${deb_version}_${arch}.deb"
rm -f "$deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
say "Depends: $depends"

if [ $lintian -eq 1 ]; then
    say "lintian"
    # Exit status 1 only for errors; warnings are printed and accepted.
    status=0
    lintian --fail-on error "$deb" > "$work/lintian.txt" 2>&1 || status=$?
    grep -v "running with root privileges" "$work/lintian.txt" >&2 || true
    [ $status -eq 0 ] || die "lintian reports errors"
fi

human() { numfmt --to=iec-i --suffix=B --format=%.1f "$1"; }
binary_size=$(stat -c %s "$bin")
deb_size=$(stat -c %s "$deb")
echo "binary   /usr/bin/tradectl  $(human "$binary_size") ($binary_size bytes, stripped, Swift runtime static)"
echo "package  $deb  $(human "$deb_size") ($deb_size bytes, installed $(human $((installed_size * 1024))))"
