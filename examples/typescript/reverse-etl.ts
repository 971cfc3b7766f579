/**
 * One Reverse ETL setup, shared by every stage: a warehouse, two models, a CRM webhook and the syncs that
 * feed it. A stage passes its settings; the resources and their references are the same everywhere.
 */
import { Construct } from 'constructs';
import { Destination, Model, Schedule, Secret, Source, Sync } from 'backflow-etl/constructs';
import type { StageSettings } from './stages';

export class ReverseEtl extends Construct {
  readonly warehouse: Source;
  readonly activeUsers: Model;
  readonly bigOrders: Model;
  readonly crm: Destination;
  readonly usersToCrm: Sync;
  readonly ordersToCrm: Sync;

  constructor(scope: Construct, id: string, settings: StageSettings) {
    super(scope, id);

    this.warehouse = new Source(this, 'warehouse', {
      warehouse: 'postgres',
      settings: {
        ...settings.warehouse,
        password: Secret.env(settings.passwordEnv),
        sslmode: 'disable',
      },
    });

    this.activeUsers = new Model(this, 'active_users', {
      source: this.warehouse,
      name: 'Active users',
      description: 'Users active on the product',
      query: 'select user_id, email from analytics.users where active',
      primary_key: 'user_id',
    });

    this.bigOrders = new Model(this, 'big_orders', {
      source: this.warehouse,
      name: 'Big orders',
      query: `select order_id, user_id, amount from analytics.orders where amount > ${settings.bigOrderThreshold}`,
      primary_key: 'order_id',
    });

    this.crm = new Destination(this, 'crm', {
      type: 'webhook',
      url: settings.crm.url,
      headers: { Authorization: Secret.env(settings.crm.tokenEnv) },
    });

    this.usersToCrm = new Sync(this, 'users_to_crm', {
      model: this.activeUsers,
      destination: this.crm,
      schedule: Schedule.periodic(settings.usersInterval),
      mapping: { email: 'email' },
    });

    // Orders follow users, so the CRM never sees an order for a user it does not know yet.
    this.ordersToCrm = new Sync(this, 'orders_to_crm', {
      model: this.bigOrders,
      destination: this.crm,
      schedule: Schedule.afterSync(this.usersToCrm),
    });
  }
}
