# Sourced by the scripts that start servers: pick a free TCP port on 127.0.0.1.

# Whether something listens on port $1 (ss when present, else a connect via /dev/tcp).
port_busy() {
    local p=$1
    if command -v ss >/dev/null 2>&1; then
        ss -Htln "sport = :$p" 2>/dev/null | grep -q . && return 0
        return 1
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null
}

# Print a free port: random candidates in 20000-59999.
pick_port() {
    local i p
    for i in $(seq 1 200); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if ! port_busy "$p"; then
            echo "$p"
            return 0
        fi
        : "$i"
    done
    return 1
}
