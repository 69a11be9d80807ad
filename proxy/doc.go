// Package proxy is a reverse proxy that holds a team's own traffic to the vendors' contracts while it happens:
// put it between an application and DoorFlow or Sonderplan (or apikit's mock), and every exchange is forwarded
// unchanged, validated by the contract harness once its response has been read to the end, reported, and
// optionally recorded, redacted, to a HAR file that apikit validate reads back.
//
//	v, err := contract.New(ctx)                      // contract.WithStrict(true) for strict checks
//	if err != nil { ... }
//	har, err := contract.CreateHAR("traffic.har", nil) // redacts every entry before writing it
//	if err != nil { ... }
//	defer har.Close()
//	target, _ := url.Parse("http://127.0.0.1:8080")    // the vendor, or `apikit mock`
//	p, err := proxy.New(target, v, proxy.WithHAR(har), proxy.WithLogger(logger),
//		proxy.WithOnResult(func(r contract.Result) {
//			for _, viol := range r.Violations {
//				log.Print(viol.Error())                 // traffic.har#3 listGroups response.body /data/0/acl_task: ...
//			}
//		}))
//	if err != nil { ... }
//	srv := &http.Server{Addr: "127.0.0.1:8081", Handler: p} // point the application at http://127.0.0.1:8081
//	go srv.ListenAndServe()
//	...
//	srv.Shutdown(ctx)                                    // the responses have ended,
//	p.Drain(ctx)                                         // and their exchanges been validated and recorded
//
// # Streaming
//
// Bodies are never held back: the response streams to the client as the upstream sends it, headers and each
// chunk flushed at once, while a copy of each body, up to the limit of [WithMaxBody], is kept for the
// harness. The exchange is validated and recorded once the upstream body has been read to its end and its last
// byte handed to the client, off the response path: the handler returns at once (the client's connection is free
// for its next request) and the exchange waits in a bounded queue ([QueueSize]; when it is full the next handler
// waits for a place, so nothing is dropped). [Proxy.Drain] waits for the queue to empty, before the HAR file is
// closed. The copies are bounded by one budget, the limit of [WithMaxBody], shared by every exchange in flight or
// queued: a body over the limit, or one that finds the budget in use, still streams whole; its exchange is
// neither validated nor recorded, and a warning says so ("over the body limit"). The proxy's memory is thus the
// budget plus the validation of the bodies kept, whatever the size or number of the bodies forwarded.
//
// # Routing
//
// The harness routes an exchange by its upstream URL: a host of a spec's servers or of a [contract.WithBaseURL]
// maps to its vendor, any other host (the mock, a staging host) is routed by path across both vendors. A target
// with a path prefix therefore needs contract.WithBaseURL(vendor, target) on the Validator, and the same
// --base-url when apikit validate reads the recording.
//
// # Faults
//
// When the upstream cannot be reached, sends no response headers within the [WithTimeout] limit, or breaks the
// connection before its headers are complete, the client gets a 502 Bad Gateway whose JSON body names the fault
// ({"error":"upstream_timeout","message":"..."}) and whose X-Apikit-Proxy-Error header carries the same code,
// so it cannot be mistaken for the vendor's own 502. When the upstream breaks the connection in the middle of the
// body, the status and headers have already gone to the client: the proxy aborts the client's connection, so the
// client sees a truncated body (an unexpected EOF), never a short body that looks complete. Either way the proxy
// goes on serving other requests.
//
// A failed exchange is reported to [WithOnError] and logged (level ERROR, with its kind), and counted in
// [Stats]; it is not written to the HAR file. A recording holds only exchanges the upstream completed, so
// apikit validate judges the vendor alone: an entry without a response would be an input error there, and a
// 502 written by the proxy would read as the vendor breaking its contract.
package proxy
