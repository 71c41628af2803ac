package motor

import (
	"context"

	"github.com/motor-go/motor/internal/srv"
)

// resolve performs seed list discovery for a mongodb+srv URI: the SRV
// records become cfg.Hosts and the TXT record's options are applied below
// the URI's. The SRV and TXT queries run concurrently; both must succeed
// before anything is used.
func (p *parser) resolve(ctx context.Context) error {
	if p.cfg.DirectConnection {
		return uriError("directConnection", "directConnection=true cannot be used with mongodb+srv")
	}
	if p.cfg.SRVServiceName == "" {
		p.cfg.SRVServiceName = srv.DefaultServiceName
	}
	host := p.cfg.SRVHost

	type txtResult struct {
		opts []srv.Option
		err  error
	}
	txtc := make(chan txtResult, 1)
	go func() {
		opts, err := srv.LookupOptions(ctx, p.opts.Resolver, host)
		txtc <- txtResult{opts, err}
	}()
	seeds, err := srv.Seeds(ctx, p.opts.Resolver, host, p.cfg.SRVServiceName, p.cfg.SRVMaxHosts)
	txt := <-txtc
	if err != nil {
		return &ConfigError{Msg: "cannot resolve the mongodb+srv host", Err: err, uri: true}
	}
	if txt.err != nil {
		return &ConfigError{Msg: "cannot use the TXT record of the mongodb+srv host", Err: txt.err, uri: true}
	}
	p.cfg.Hosts = seeds
	p.cfg.srvResolver = p.opts.Resolver

	p.txt = true
	defer func() { p.txt = false }()
	for _, o := range txt.opts {
		if err := p.apply(o.Key, o.Value, o.Value); err != nil {
			return err
		}
	}
	return nil
}
