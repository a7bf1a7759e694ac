// Package vat checks EU VAT numbers: it normalises what people type
// (Normalize), checks the syntax and the national check digits of the 27
// member states and of Northern Ireland (CheckSyntax), asks the European
// Commission's VIES service whether a number is registered (Client), and
// combines the steps under the configured mode (Validator).
//
// The package is pure apart from Client, which speaks HTTP: it knows no
// account, no storage and no page. A syntax failure is final and VIES is
// then not called; a VIES answer that is not a clear yes or no (the
// service or a member state is down, too busy, slow or answers garbage) is
// StatusUnreachable, never StatusInvalid.
package vat
