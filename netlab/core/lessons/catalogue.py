"""Every seed program, in the order the tutorials teach them, as a lesson.

The tutorials, as the lessons name them:

- "Build Web Application with Golang" 8.1, Sockets (with its Korean edition);
- "Network Programming with Go", chapter 3, Socket-level programming;
- "GO Socket", a server and client that end messages with a TAB;
- "Socket编程", the TCP client/server (C/S) walk-through with the upper-case server.

Everything a lesson runs stays on this machine: the seeds' www.google.com becomes
localhost, their fixed ports (1200, 1201, 7777, 8080, 8085) port 0, which the system
chooses, and their servers listen on 127.0.0.1, not on every interface.
"""

from __future__ import annotations

from netlab.core.lessons import Lesson, Run, Serve, WebServe

WEB = "Build Web Application with Golang, 8.1"
NETGO = "Network Programming with Go, ch. 3"
TABS = "GO Socket"
UPPER = "Socket编程 (TCP C/S)"

# Two clients at one echo server: A types a line and stays 1.5 s; B comes 0.3 s after.
_TWO_CLIENTS = (
    Run(
        ("connect", "{echo}"),
        stdin="first\n",
        hold=1.5,
        background=True,
        who="A",
        says="types first, stays 1.5 s",
    ),
    Run(("send", "{echo}", "second"), delay=0.3, who="B", says="comes 0.3 s later"),
)

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        key="ip",
        title="IP.go",
        program="IP.go",
        seeds=f"{WEB}; {NETGO}",
        what=(
            "Parses the address given on its command line with net.ParseIP and prints it "
            "back with String(), or 'Invalid address'."
        ),
        steps=(
            Run(("ip", "127.0.0.1")),
            Run(("ip", "0:0:0:0:0:0:0:1")),
            Run(("ip", "127.0.0.256")),
        ),
        came_back=(
            "ParseIP reads both dotted IPv4 and colon IPv6, and String() writes the shortest "
            "form (RFC 5952): 0:0:0:0:0:0:0:1 comes back as ::1, so what you typed is not "
            "always what you get back. 256 does not fit in a byte: 'Invalid address'."
        ),
        differs=(
            'The seed prints with fmt.Println("The address is ", addr.String()): Println '
            "puts a space between its operands and the text already ends in one, so Go "
            "writes two spaces. The tutorials print one, and so does netlab."
        ),
        see="The Address view (Alt+1) shows every form of an address as you type it.",
    ),
    Lesson(
        key="mask",
        title="Mask.go",
        program="Mask.go",
        seeds=NETGO,
        what=(
            "Makes a mask of ONES leading one bits out of BITS (net.CIDRMask) and ANDs it "
            "with the address to get the network."
        ),
        steps=(
            Run(("mask", "103.232.159.187", "24", "32")),
            Run(("mask", "fda3:97c:1eb:fff0:5444:903a:33f0:3a6b", "52", "128")),
        ),
        came_back=(
            "24 ones in 32 bits is ffffff00, so the network keeps the first three bytes: "
            "103.232.159.0. In the IPv6 example 52 bits end inside the fourth group, fff0, "
            "which keeps its first hex digit: fda3:97c:1eb:f000::. 'Mask length' is the "
            "mask's size in bits (32 or 128), not the prefix: that is 'Leading ones'."
        ),
        differs=(
            "The same two spaces after each label as IP.go (Println between operands); "
            "netlab prints one, as the book does."
        ),
    ),
    Lesson(
        key="ipv4mask",
        title="IPv4Mask.go",
        program="IPv4Mask.go",
        seeds=NETGO,
        what=(
            "Gives an IPv4 address's default mask, the one its class implies "
            "(DefaultMask), and the network it makes."
        ),
        steps=(Run(("calc", "192.168.1.3")),),
        came_back=(
            "192 is between 192 and 223, class C, whose default mask is /24: ffffff00, "
            "network 192.168.1.0. netlab shows every form of the address along with it."
        ),
        differs=(
            "The book runs it as 'go run Mask.go 192.168.1.3', a slip for IPv4Mask.go: "
            "Mask.go takes three arguments and would print its usage. Its output says "
            "'Default mask length is 32': the mask's size, as in Mask.go, while the "
            "prefix is 24. Classes are history since CIDR (1993): a network's mask is "
            "whatever its prefix says; netlab shows the class and its default only "
            "when no mask is given."
        ),
        see="The Address view (Alt+1): type 192.168.1.3.",
    ),
    Lesson(
        key="parts",
        title="Network, device parts",
        program="network and device parts",
        seeds=NETGO,
        what=(
            "The book's worked example: 192.168.1.3 with a 16-bit network mask, its "
            "network part (AND with the mask) and its device part (AND with the mask's "
            "complement)."
        ),
        steps=(Run(("calc", "192.168.1.3/16")),),
        came_back=(
            "Network 192.168.0.0, device part 0.0.1.3, as the book has it; the Bits line "
            "draws the cut after the 16th bit."
        ),
    ),
    Lesson(
        key="ipv6-parts",
        title="IPv6 address parts",
        program="IPv6 address parts",
        seeds=NETGO,
        what=(
            "The book splits an IPv6 address into a network part, a subnet and a "
            "device part, with FE80:CD00:0000:0CDE:1257:0000:211E:729C as its example."
        ),
        steps=(Run(("calc", "FE80:CD00:0000:0CDE:1257:0000:211E:729C")),),
        came_back=(
            "'IPv6 split' is RFC 4291's: a 48-bit routing prefix (fe80:cd00:0000), a "
            "16-bit subnet ID (0cde) and a 64-bit interface ID (1257:0000:211e:729c). "
            "'Seed split' is the book's, shown beside it. (fe80::/10 is link-local: on a "
            "real network this address never leaves its link.)"
        ),
        differs=(
            "The book's prose cuts the address 64/16/48: network FE80:CD00:0000:0CDE, "
            "subnet 1257, device 0000:211E:729C. RFC 4291, and the book's own Mask.go "
            "example (network fda3:97c:1eb, subnet fff0, device 5444:903a:33f0:3a6b), "
            "give the network 48 bits and the device the low 64. netlab follows the RFC "
            "and says so on screen."
        ),
        see="The Address view (Alt+1) shows both splits under the address.",
    ),
    Lesson(
        key="resolve",
        title="ResolveIP.go",
        program="ResolveIP.go",
        seeds=NETGO,
        what=("Looks a host name up with net.ResolveIPAddr and prints one of its addresses."),
        steps=(Run(("resolve", "localhost")), Run(("resolve", "localhost", "-6"))),
        came_back=(
            "One address, from whatever this machine's resolver consults first "
            "(/etc/hosts, then DNS, in the order /etc/nsswitch.conf gives). The book "
            "asks www.google.com; the lessons stay on this machine, so: localhost. Try "
            "`netlab resolve www.google.com` yourself."
        ),
        differs=(
            "On a wrong command line the seed prints its usage twice, once to stderr "
            "and once to stdout (Fprintf, then Println)."
        ),
    ),
    Lesson(
        key="lookup-host",
        title="LookupHost.go",
        program="LookupHost.go",
        seeds=NETGO,
        what="Prints every address of a host name (net.LookupHost), one a line.",
        steps=(Run(("host", "localhost")), Run(("cname", "localhost"))),
        came_back=(
            "Every address the resolver gives, IPv4 and IPv6, as strings; a host with "
            "several network cards or names has several. LookupCNAME gives the canonical "
            "name: `netlab cname`."
        ),
        differs=(
            "The prose gives LookupHost's signature as (cname string, addrs []string, err "
            "error); it returns (addrs []string, err error), as the program itself uses it."
        ),
        see="The Lookup view (Alt+2) does all of these, and DNS records.",
    ),
    Lesson(
        key="lookup-port",
        title="LookupPort.go",
        program="LookupPort.go",
        seeds=NETGO,
        what="Finds the port of a named service on a network, tcp or udp (net.LookupPort).",
        steps=(Run(("port", "tcp", "telnet")), Run(("port", "udp", "domain"))),
        came_back=(
            "'Service port 23', as the book prints it: the names come from /etc/services "
            "(netlab carries its own copy where a system has none). `netlab service 23` "
            "goes the other way."
        ),
    ),
    Lesson(
        key="resolve-tcp",
        title="ResolveTCPAddr",
        program="ResolveTCPAddr",
        seeds=f"{WEB}; {NETGO}",
        what=(
            "Turns 'host:port' into a TCP address: a name or an address, then a port "
            "number or a service name; an IPv6 address goes in brackets; no host means "
            "every local address, the way servers write it."
        ),
        steps=(
            Run(("resolve", "localhost:http")),
            Run(("resolve", "[::1]:23")),
            Run(("resolve", ":80")),
        ),
        came_back=(
            "localhost:http is 127.0.0.1:80 (the service name looked up as LookupPort "
            "does); [::1]:23 stays as it is; :80 has no host, as `:1200` in the seeds' "
            "servers: listen on every interface."
        ),
    ),
    Lesson(
        key="head",
        title="GetHeadInfo.go",
        program="GetHeadInfo.go, IPGetHeadInfo.go",
        seeds=f"{WEB}; {NETGO}",
        what=(
            "Connects to a web server, writes 'HEAD / HTTP/1.0' and a blank line, and "
            "reads everything until the server closes (ioutil.ReadAll, or readFully)."
        ),
        steps=(WebServe(), Run(("head", "{web}"))),
        came_back=(
            "The status line and headers, no body: HEAD asks for the headers only. "
            "HTTP/1.0 closes the connection after one answer, so reading until end of "
            "file gets all of it, however many TCP segments it came in. Python's "
            "http.server stands in for the books' nginx and lighttpd."
        ),
    ),
    Lesson(
        key="daytime",
        title="DaytimeServer.go",
        program="DaytimeServer.go",
        seeds=f"{WEB} (on :7777, then with a goroutine on :1200); {NETGO}",
        what=(
            "Listens, and for each client writes the time as Go's time.Now().String() "
            "writes it, then closes. The books talk to it with telnet."
        ),
        steps=(Serve("daytime", "daytime:0@iterative"), Run(("connect", "{daytime}"))),
        came_back=(
            "The time, then the server closes: 'closed by peer' is what telnet words as "
            "'Connection closed by foreign host.' The client sends nothing; the server "
            "speaks first, the moment it accepts."
        ),
        differs=(
            "The seed writes the time with no newline, which is why the book shows "
            "'...+1100 AEDTConnection closed by foreign host.' on one line. netlab's "
            "daytime server ends the line, as RFC 867 servers do."
        ),
        see="The Servers view (Alt+4) logs the connection and what was sent.",
    ),
    Lesson(
        key="echo-iterative",
        title="SimpleEchoServer.go",
        program="SimpleEchoServer.go",
        seeds=NETGO,
        what=(
            "An echo server that serves one client at a time: it calls handleClient, "
            "which reads and writes back until the client leaves, before it accepts again."
        ),
        steps=(Serve("echo", "echo:0@iterative"), *_TWO_CLIENTS),
        came_back=(
            "A is answered at once. B connects at once too (the kernel finishes the "
            "handshake and queues it), its line goes out, and nothing comes back: it waits "
            "in the listening socket's accept queue until A leaves, and only then gets "
            "'second'. The server's log says how long B waited."
        ),
        differs=(
            "The seed prints string(buf[0:]): all 512 bytes of its buffer, not the n it "
            "read. After 'hello world' then 'hi' it prints 'hi', a newline, 'lo world' "
            "and the zero bytes after: stale bytes from the longer message before. "
            "netlab's log shows exactly the bytes each read returned."
        ),
        timed=True,
        see="The Servers view (Alt+4): '1 waiting in the accept queue' while A stays.",
    ),
    Lesson(
        key="echo-threaded",
        title="ThreadedEchoServer.go",
        program="ThreadedEchoServer.go, ThreadedIPEchoServer.go",
        seeds=NETGO,
        what=(
            "The same echo server with 'go handleClient(conn)': each client gets a "
            "goroutine, and the loop goes straight back to Accept."
        ),
        steps=(Serve("echo", "echo:0@threaded"), *_TWO_CLIENTS),
        came_back=(
            "Both are answered at once: B does not wait for A. Nobody waits in the accept "
            "queue. Compare the times with the lesson before."
        ),
        differs=(
            "ThreadedEchoServer.go prints the whole 512-byte buffer, stale bytes and "
            "all, as SimpleEchoServer.go does; ThreadedIPEchoServer.go prints nothing."
        ),
        timed=True,
        see="The Servers view (Alt+4) shows both connections at once.",
    ),
    Lesson(
        key="timestamp",
        title="Timestamp server",
        program="the long-connection timestamp server",
        seeds=WEB,
        what=(
            "Keeps a client's connection open (a 2-minute read deadline) and answers each "
            "read: 'timestamp' gets Unix seconds, anything else the time as a string."
        ),
        steps=(
            Serve("timestamp", "timestamp:0"),
            Run(("connect", "{timestamp}"), stdin="timestamp\nwhat time is it?\n", pace=0.3),
        ),
        came_back=(
            "Unix seconds for 'timestamp', the time for the other line, one answer a read, "
            "on one connection that stays open until the client is done."
        ),
        differs=(
            'The seed compares string(request) with "timestamp": all 128 bytes of the '
            "buffer, the zero bytes after the word included, so they are never equal and "
            "its seconds branch never runs; netlab answers what it meant to. Its comment "
            "calls the buffer 128KB: it is 128 bytes. And conn.Read does not append to the "
            "buffer, as the text says: it writes from the start; the fresh buffer each "
            "time only matters because of that whole-buffer comparison."
        ),
    ),
    Lesson(
        key="udp-daytime",
        title="UDPDaytime*.go",
        program="UDPDaytimeClient.go, UDPDaytimeServer.go",
        seeds=f"{WEB}; {NETGO}",
        what=(
            "The daytime service over UDP: the client sends any datagram ('anything'), "
            "the server answers whoever sent it with the time."
        ),
        steps=(
            Serve("udp-daytime", "udp:daytime:0"),
            Run(("send", "--udp", "{udp-daytime}", "anything")),
        ),
        came_back=(
            "One datagram back with the time. There is no connection: ReadFromUDP tells "
            "the server who sent the datagram, and WriteToUDP answers that address."
        ),
        differs=(
            'Its checkError writes fmt.Fprintf(os.Stderr, "Fatal error ", err.Error()): '
            "no %s for the error, so Go prints 'Fatal error %!(EXTRA string=...)'. "
            "netlab says what went wrong in one plain line."
        ),
    ),
    Lesson(
        key="tab",
        title="TAB server, client",
        program="the TAB-delimited server and client",
        seeds=TABS,
        what=(
            "Messages end with a TAB (Delimiter = '\\t'): the client writes 'aaaa' and a "
            "TAB, the server reads a byte at a time up to the TAB and answers "
            "'server got:aaaa' and a TAB."
        ),
        steps=(Serve("tab", "tab:0"), Run(("send", "--framing", "tab", "{tab}", "aaaa"))),
        came_back=(
            "'server got:aaaa' and its TAB: TCP keeps no message boundaries, so the two "
            "ends agree on a byte that ends each message."
        ),
        differs=(
            "Its handleConn loops forever and ignores Read's error: once the client "
            "leaves, every Read fails at once with EOF and the loop spins, a goroutine "
            "at full speed for every client that ever came. netlab's server ends the "
            "connection when the peer closes. (Its client also defers conn.Close() after "
            "a failed Dial, on a nil conn.)"
        ),
    ),
    Lesson(
        key="upper",
        title="Upper-case server",
        program="the upper-case server and its clients",
        seeds=UPPER,
        what=(
            "A server that reads once and writes back what it read in upper case; first "
            "for one client, then one after another, then a goroutine each. Its clients "
            "send 'hello world', or lines typed until 'quit'."
        ),
        steps=(
            Serve("upper", "upper:0"),
            Run(("send", "{upper}", "hello world")),
            Run(("connect", "{upper}"), stdin="hello again\nquit\n", pace=0.3),
        ),
        came_back=(
            "'HELLO WORLD'; then each typed line upper-cased, and 'quit' closes the "
            "client without sending it, as the seed's client does."
        ),
        differs=(
            "It listens on 0.0.0.0:8080, and its comment says that accepts connections "
            "from that IP only: the address picks which of this machine's interfaces to "
            "listen on (0.0.0.0 is all of them); it filters no clients. netlab listens on "
            "127.0.0.1 unless told otherwise. Its goroutine version ignores Accept's "
            "error and calls RemoteAddr() on a nil conn: one failed accept (too many open "
            "files) crashes it. And its concurrent client sends trimmed lines with no "
            "newline: TCP keeps no boundaries, so two quick lines can arrive as one read "
            "and one reply, and its 'QUIT' check works only when QUIT arrives alone."
        ),
    ),
    Lesson(
        key="ping",
        title="Ping.go",
        program="Ping.go",
        seeds=NETGO,
        what=(
            "Builds an ICMP echo request by hand (type 8, identifier 13, sequence 37, its "
            "checksum computed) and prints the bytes sent and the bytes received after the "
            "20-byte IPv4 header."
        ),
        steps=(Run(("ping", "127.0.0.1", "--count", "1")),),
        came_back=(
            "'Message sent: 8 0 247 205 0 13 0 37' and 'Message received: 0 0 255 205 0 "
            "13 0 37', as the book prints them: the reply's type is 0, and its checksum "
            "goes up by 8 x 256 to make up for it."
        ),
        differs=(
            "On loopback a raw ICMP socket is handed every ICMP packet, its own echo "
            "request too, so Ping.go's single Read can return its own request ('8 0 247 "
            "205 ...') instead of the reply. netlab reads on until the reply with its "
            "identifier and sequence arrives. Ping.go also binds to a fixed "
            "myIPAddress, 192.168.1.2, and fails on any machine without it; and it needs "
            "root for a raw socket, where netlab uses an unprivileged ICMP socket when "
            "the system allows."
        ),
        see="The Lookup view (Alt+2), ping, shows the same bytes.",
    ),
    Lesson(
        key="timeouts",
        title="Deadlines, keepalive",
        program="SetDeadline, SetKeepAlive",
        seeds=f"{WEB}; {NETGO}",
        what=(
            "A deadline makes a blocked Read or Write give up; keepalive sends probes "
            "on an idle connection to learn whether the other end is still there."
        ),
        steps=(
            Serve("echo", "echo:0", idle_timeout=1.0),
            Run(("connect", "--keepalive", "1,1,3", "{echo}"), stdin="", hold=3.0),
        ),
        came_back=(
            "The client says nothing; after 1 s the server's idle timeout (its read "
            "deadline) ends the connection, and the client sees it closed by the peer. "
            "Keepalive probes would only have found that out after 1 s of quiet and 3 "
            "unanswered probes, had the server vanished."
        ),
        differs=(
            "The Golang book says a deadline closes the connection by itself: it does "
            "not; the Read or Write fails with a timeout and the program must close it "
            "(the timestamp server does, by leaving its loop). It also says SetKeepAlive "
            "keeps a long connection to save handshakes: keepalive only probes an idle "
            "connection to find a dead peer (after the kernel's 2 hours unless told "
            "otherwise, as --keepalive does)."
        ),
        timed=True,
    ),
)
