# Sourced by provision-asterisk.sh and install-test-voices.sh: one private apt configuration, so the host's
# /etc/apt is never changed (apt reads only the sources named here, keeps its lists, cache and an empty
# dpkg status under the given directory, and takes no lock on the host's apt).
#
# private_apt DIR MIRROR SUITE COMPONENTS...   writes DIR/{sources.list,apt.conf,...} and exports APT_CONFIG

private_apt() {
    local dir=$1 mirror=$2 suite=$3
    shift 3
    mkdir -p "$dir"/{lists/partial,cache,archives/partial,parts.d,sources.list.d,preferences.d}
    : >"$dir/status"                    # empty: apt resolves the full dependency closure
    printf 'deb %s %s %s\n' "$mirror" "$suite" "$*" >"$dir/sources.list"
    cat >"$dir/apt.conf" <<CONF
Dir::Etc::SourceList "$dir/sources.list";
Dir::Etc::SourceParts "$dir/sources.list.d";
Dir::Etc::Parts "$dir/parts.d";
Dir::Etc::Preferences "$dir/preferences";
Dir::Etc::PreferencesParts "$dir/preferences.d";
Dir::State "$dir";
Dir::State::Lists "$dir/lists";
Dir::State::status "$dir/status";
Dir::Cache "$dir/cache";
Dir::Cache::Archives "$dir/archives";
APT::Architectures { "amd64"; };
APT::Install-Recommends "false";
APT::Install-Suggests "false";
APT::Update::Error-Mode "any";
Acquire::Languages "none";
Acquire::Check-Valid-Until "false";
Acquire::http::Timeout "${IVR_APT_TIMEOUT:-20}";
Acquire::https::Timeout "${IVR_APT_TIMEOUT:-20}";
Acquire::Retries "${IVR_APT_RETRIES:-1}";
Debug::NoLocking "true";
CONF
    export APT_CONFIG=$dir/apt.conf
}
