/** The JSON example of DESIGN.md §2, verbatim: it must validate and plan exactly as written. */
export const DESIGN_EXAMPLE = `{
  "$schema": "./node_modules/backflow-etl/schemas/config.schema.json",
  "backend": { "type": "local", "path": ".backflow/state.json" },
  "sources": {
    "warehouse": {
      "warehouse": "postgres",
      "settings": { "host": "127.0.0.1", "port": 5432, "database": "analytics", "user": "retl",
                    "password": { "env": "WAREHOUSE_PASSWORD" }, "sslmode": "disable" },
      "managed_schema": "__segment_reverse_etl"
    }
  },
  "git_syncs": {
    "analytics": {
      "source": "warehouse", "service": "github", "protocol": "https",
      "repository": "https://github.com/acme/dbt.git",
      "credentials": { "token": { "env": "GIT_TOKEN" } },
      "branch": "main", "dbt_version": "1.7", "default_schema": "analytics", "project_path": "."
    }
  },
  "dbt_cloud": {
    "main": { "account_id": 1234, "access_url": "https://ab123.us1.dbt.com", "api_key": { "env": "DBT_CLOUD_API_KEY" } }
  },
  "models": {
    "active_users": {
      "source": "warehouse", "name": "Active users", "description": "Users seen in the last 30 days",
      "dbt_model": { "git_sync": "analytics", "name": "active_users" },
      "primary_key": "user_id", "enabled": true
    },
    "big_orders": {
      "source": "warehouse", "name": "Big orders",
      "query": "select order_id, customer_id, amount from analytics.orders where amount > 1000",
      "primary_key": "order_id", "enabled": true,
      "lifecycle": { "on_attached_change": "fail", "prevent_destroy": false }
    }
  },
  "destinations": {
    "crm": { "type": "webhook", "url": "https://hooks.example.com/crm", "headers": { "Authorization": { "env": "CRM_TOKEN" } } }
  },
  "syncs": {
    "users_to_crm": {
      "model": "active_users", "destination": "crm", "enabled": true, "mode": "upsert",
      "schedule": { "strategy": "dbt_cloud", "dbt_cloud": "main", "job_id": 42 }
    },
    "orders_hourly": {
      "model": "big_orders", "destination": "crm", "enabled": true, "mode": "upsert",
      "schedule": { "strategy": "periodic", "interval": "1h" }
    }
  }
}
`;
