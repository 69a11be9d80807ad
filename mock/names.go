package mock

import "github.com/apikit/apikit/gen/sonderplan"

// The tables below are read-only: Generate draws from them and never changes them.

var firstNames = [...]string{
	"Jane", "John", "Amara", "Lukas", "Sofia", "Mateo", "Priya", "Noah", "Yuki", "Emma", "Omar", "Chloe",
	"Kwame", "Ingrid", "Diego", "Mei", "Liam", "Fatima", "Oskar", "Aisha", "Hannah", "Ravi", "Elena", "Tomasz",
	"Zoe", "Kenji", "Leila", "Marcus", "Nia", "Pablo", "Sven", "Camille", "Arjun", "Greta", "Hugo", "Imani",
	"Jonas", "Keiko", "Luca", "Maya", "Nils", "Olivia", "Rafael", "Sara", "Theo", "Ulla", "Viktor", "Wen",
}

var lastNames = [...]string{
	"Smith", "Okafor", "Müller", "García", "Patel", "Nakamura", "Johansson", "Rossi", "Dubois", "Kowalski",
	"Haddad", "Chen", "Mensah", "Larsen", "Fernández", "Kim", "O'Brien", "Schmidt", "Silva", "Novak", "Ibrahim",
	"Tanaka", "Jensen", "Moreau", "Costa", "Weber", "Ahmed", "Lindqvist", "Brown", "Nguyen", "Fischer", "Mbeki",
	"Hansen", "Romano", "Wright", "Sato", "Petrov", "Keller", "Andersson", "Lopez",
}

// emailDomains are reserved for documentation (RFC 2606), so generated addresses reach nobody.
var emailDomains = [...]string{"example.com", "example.org", "example.net"}

// sites qualify group names once the templates run out ("Video Editors (Berlin)").
var sites = [...]string{
	"Berlin", "London", "Lisbon", "Toronto", "Melbourne", "Nairobi", "Osaka", "Austin", "Oslo", "Warsaw",
	"Bogotá", "Mumbai", "Dublin", "Seoul", "Cape Town", "Montréal",
}

// groupTemplate is a realistic permission group: a name, a description and the ACL of each module, in the
// order schedule, project, task, finance, report, contact, admin, account.
type groupTemplate struct {
	name, description string
	acl               [8]sonderplan.ACL
}

const (
	no = sonderplan.ACLNone
	ro = sonderplan.ACLRead
	rw = sonderplan.ACLReadWrite
)

// groupTemplates: the first one is the default group new users join.
var groupTemplates = [...]groupTemplate{
	{"Members", "Default group for new users: read the schedule and their tasks", [8]sonderplan.ACL{ro, no, ro, no, no, no, no, no}},
	{"Administrators", "Full access to every module, including account settings", [8]sonderplan.ACL{rw, rw, rw, rw, rw, rw, rw, rw}},
	{"Video Editors", "Full schedule access, limited project access", [8]sonderplan.ACL{rw, ro, rw, no, ro, ro, no, no}},
	{"Producers", "Plan projects and budgets, book crews", [8]sonderplan.ACL{rw, rw, rw, rw, rw, rw, no, no}},
	{"Schedulers", "Manage the schedule; read projects and contacts", [8]sonderplan.ACL{rw, ro, ro, no, ro, ro, no, no}},
	{"Project Managers", "Run projects and tasks, read finance reports", [8]sonderplan.ACL{rw, rw, rw, ro, rw, rw, no, no}},
	{"Finance", "Budgets, invoices and financial reports", [8]sonderplan.ACL{ro, ro, no, rw, rw, ro, no, ro}},
	{"Freelancers", "Their own schedule and tasks only", [8]sonderplan.ACL{ro, no, rw, no, no, no, no, no}},
	{"Read-only Guests", "Read access to schedule and projects", [8]sonderplan.ACL{ro, ro, ro, no, ro, no, no, no}},
	{"Account Owners", "Billing, subscription and account settings", [8]sonderplan.ACL{ro, ro, ro, rw, rw, ro, rw, rw}},
	{"Camera Operators", "Crew schedule and shoot tasks", [8]sonderplan.ACL{ro, ro, rw, no, no, ro, no, no}},
	{"Sound Engineers", "Crew schedule and post-production tasks", [8]sonderplan.ACL{ro, ro, rw, no, no, ro, no, no}},
	{"Colorists", "Grading tasks, read the project plan", [8]sonderplan.ACL{ro, ro, rw, no, no, no, no, no}},
	{"Motion Designers", "Design tasks and the schedule", [8]sonderplan.ACL{rw, ro, rw, no, no, no, no, no}},
	{"Client Services", "Contacts, projects and client reports", [8]sonderplan.ACL{ro, rw, ro, ro, rw, rw, no, no}},
	{"Reporting", "Reports across all modules, read only", [8]sonderplan.ACL{ro, ro, ro, ro, ro, ro, no, no}},
	{"Interns", "Read the schedule", [8]sonderplan.ACL{ro, no, no, no, no, no, no, no}},
	{"IT Support", "User administration, no finance access", [8]sonderplan.ACL{ro, ro, ro, no, ro, ro, rw, ro}},
}
