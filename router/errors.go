package router

import "errors"

var (
	// ErrNoRoute is returned by Dispatch for a message id that has no route, whether or
	// not a not-found handler ran for it.
	ErrNoRoute = errors.New("router: no route for message id")

	// ErrFrozen is returned when registering a route or middleware on a router that has
	// been frozen (by Freeze or by its first Dispatch).
	ErrFrozen = errors.New("router: router is frozen, registration refused")

	// ErrDuplicateRoute is returned when a message id is registered twice.
	ErrDuplicateRoute = errors.New("router: duplicate route for message id")

	// ErrNilHandler is returned when registering a nil handler.
	ErrNilHandler = errors.New("router: nil handler")

	// ErrNilMiddleware is returned when registering a nil middleware.
	ErrNilMiddleware = errors.New("router: nil middleware")
)
