// Package contract checks HTTP exchanges against the vendors' OpenAPI contracts.
//
// One model of an exchange ([Exchange]) and one model of a violation ([Violation]) serve every way traffic
// enters (HAR files, go-vcr cassettes, bare bodies, a live [http.RoundTripper]) and every way a verdict leaves
// (text, JSON, JUnit, test helpers). A [Validator] is built once from the embedded specs, routes each exchange to
// its operation across both vendors, and validates it with kin-openapi's openapi3filter, the reference:
//
//	v, err := contract.New(ctx)
//	...
//	for ex, err := range contract.ReadHAR(ctx, "capture.har") {
//		if err != nil { ... }           // the file is unreadable at this entry
//		res := v.Validate(ctx, ex)
//		for _, viol := range res.Violations {
//			fmt.Println(viol)           // capture.har#3 listGroups response.body /data/0/acl_task: ...
//		}
//	}
//
// Live traffic goes through a [Transport], an http.RoundTripper that validates each exchange as it happens and
// can record it, redacted, to a go-vcr cassette or a HAR file ([HARWriter]), or replay a cassette offline;
// package contracttest turns it into an *http.Client whose violations fail a test.
package contract
