// Package codesend sends one-time codes by e-mail or SMS under a user's
// send limits, and says in plain words why a code was refused.
//
// One Sender serves every page package that sends codes: the sign-in's
// second factor (login) and the proof of a new address or number
// (profile). It serialises the sends and checks of each user, so that the
// limits of mfa.CodePolicy hold under concurrent requests, and it keeps a
// resent challenge's failure count (NIST SP 800-63B 3.1.3.2). It composes
// no message itself: the caller's Deliver does, so the package needs
// neither notify nor the templates.
//
// The package imports only storage and mfa.
package codesend
