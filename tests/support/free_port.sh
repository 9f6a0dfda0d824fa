# Shell tests source this: free_port prints a loopback TCP port nobody
# listens on (tried at random), so tests that run at once do not collide.
# It is taken below the kernel's ephemeral range: a port in that range can
# be given to any outgoing connection (the services' own ZeroMQ links
# among them) between the pick and the gateway's bind.
free_port() {
    local port low=32768 high
    read -r low high < /proc/sys/net/ipv4/ip_local_port_range 2> /dev/null || true
    [ "$low" -gt 11024 ] || low=11024 # a range set unusually low: pick above 10000 anyway
    for _ in $(seq 50); do
        port=$((10000 + RANDOM % (low - 10000)))
        (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null || break # nobody listens there
    done
    echo "$port"
}
