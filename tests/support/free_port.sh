# Shell tests source this: free_port prints a loopback TCP port nobody
# listens on (tried at random), so tests that run at once do not collide.
free_port() {
    local port
    for _ in $(seq 50); do
        port=$((20000 + RANDOM % 40000))
        (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null || break # nobody listens there
    done
    echo "$port"
}
