package motor

import (
	"net"

	"github.com/motor-go/motor/internal/auth"
	"github.com/motor-go/motor/internal/cluster"
	"github.com/motor-go/motor/internal/conn"
	"github.com/motor-go/motor/internal/pool"
	"github.com/motor-go/motor/internal/topology"
)

// internalConfig is a Config translated for the driver's layers.
type internalConfig struct {
	cluster  cluster.Config
	readPref topology.ReadPref
}

func newInternalConfig(cfg *Config) (*internalConfig, error) {
	rp, err := toTopologyReadPref(cfg.ReadPreference)
	if err != nil {
		return nil, err
	}
	cc := &conn.Config{
		ConnectTimeout: cfg.ConnectTimeout,
		SocketTimeout:  cfg.SocketTimeout,
		TLSConfig:      cfg.TLSConfig,
		AppName:        cfg.AppName,
		Compressors:    cfg.Compressors,
		ZlibLevel:      cfg.ZlibCompressionLevel,
		LoadBalanced:   cfg.LoadBalanced,
	}
	if cfg.Dialer != nil {
		cc.Dialer = cfg.Dialer
	}
	if api := cfg.ServerAPI; api != nil {
		cc.ServerAPI = &conn.ServerAPI{Version: api.Version}
		if api.Strict {
			cc.ServerAPI.Strict = new(true)
		}
		if api.DeprecationErrors {
			cc.ServerAPI.DeprecationErrors = new(true)
		}
	}
	meta, err := conn.NewMetadata(conn.MetadataOptions{AppName: cfg.AppName})
	if err != nil {
		return nil, configError("appName", err.Error())
	}
	cc.Metadata = meta
	monitorConn := *cc // monitoring connections do not authenticate
	if cred := cfg.Auth; cred != nil {
		a, err := auth.New(auth.Credential{
			Mechanism:   cred.Mechanism,
			Source:      cfg.credentialSource(),
			Username:    cred.Username,
			Password:    cred.Password,
			PasswordSet: cred.PasswordSet,
			Props:       cred.Properties,
		})
		if err != nil {
			return nil, &ConfigError{Option: "authMechanism", Msg: "cannot authenticate", Err: err}
		}
		cc.Authenticator = a
	}

	po := pool.DefaultOptions()
	po.MaxPoolSize = cfg.MaxPoolSize
	po.MinPoolSize = cfg.MinPoolSize
	po.MaxConnecting = cfg.MaxConnecting
	po.MaxIdleTime = cfg.MaxIdleTime
	po.WaitQueueTimeout = cfg.WaitQueueTimeout
	po.LoadBalanced = cfg.LoadBalanced
	log := newLogger(cfg)
	po.Log = log

	seeds := make([]string, len(cfg.Hosts))
	for i, h := range cfg.Hosts {
		seeds[i] = topology.NormalizeAddr(h)
	}
	return &internalConfig{
		readPref: rp,
		cluster: cluster.Config{
			Topology: topology.Config{
				Seeds:                  seeds,
				SetName:                cfg.ReplicaSet,
				Direct:                 cfg.DirectConnection,
				LoadBalanced:           cfg.LoadBalanced,
				SRVMaxHosts:            cfg.SRVMaxHosts,
				HeartbeatInterval:      cfg.HeartbeatFrequency,
				LocalThreshold:         cfg.LocalThreshold,
				ServerSelectionTimeout: cfg.ServerSelectionTimeout,
			},
			Conn:          cc,
			MonitorConn:   &monitorConn,
			Pool:          po,
			PoolMonitor:   cfg.PoolMonitor,
			ServerMonitor: cfg.ServerMonitor,
			Log:           log,
			Monitoring:    toMonitoringMode(cfg.ServerMonitoringMode),
			SRV:           toSRVConfig(cfg),
		},
	}, nil
}

// toMonitoringMode converts serverMonitoringMode; Validate rejected any
// other value, and "" means auto.
func toMonitoringMode(m ServerMonitoringMode) cluster.MonitoringMode {
	switch m {
	case ServerMonitoringStream:
		return cluster.MonitorStream
	case ServerMonitoringPoll:
		return cluster.MonitorPoll
	}
	return cluster.MonitorAuto
}

// toSRVConfig returns the SRV rescan settings of a Config from a
// mongodb+srv URI, with the resolver the URI was parsed with; nil for
// mongodb://.
func toSRVConfig(cfg *Config) *cluster.SRVConfig {
	if cfg.SRVHost == "" {
		return nil
	}
	var r Resolver = net.DefaultResolver
	if cfg.srvResolver != nil {
		r = cfg.srvResolver
	}
	return &cluster.SRVConfig{Host: cfg.SRVHost, Service: cfg.SRVServiceName, Resolver: r}
}

// toTopologyReadPref converts a read preference; nil means primary.
func toTopologyReadPref(rp *ReadPreference) (topology.ReadPref, error) {
	var out topology.ReadPref
	if rp == nil {
		return out, nil
	}
	if err := rp.validate(); err != nil {
		return out, err
	}
	if rp.Mode != "" {
		m, ok := topology.ParseMode(string(rp.Mode))
		if !ok {
			return out, configError("readPreference", "unknown mode "+quoteValue(string(rp.Mode)))
		}
		out.Mode = m
	}
	for _, set := range rp.TagSets {
		ts := make(topology.TagSet, len(set))
		for i, t := range set {
			ts[i] = topology.Tag{Name: t.Name, Value: t.Value}
		}
		out.TagSets = append(out.TagSets, ts)
	}
	if rp.MaxStaleness > 0 {
		out.MaxStaleness, out.HasMaxStaleness = rp.MaxStaleness, true
	}
	return out, nil
}
