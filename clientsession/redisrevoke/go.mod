module github.com/fullsession/fullsession/clientsession/redisrevoke

go 1.26.0

require (
	github.com/fullsession/fullsession v0.0.0
	github.com/fullsession/fullsession/internal/testkit v0.0.0
	github.com/redis/rueidis v1.0.80
)

require (
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/fullsession/fullsession => ../..

replace github.com/fullsession/fullsession/internal/testkit => ../../internal/testkit
