-- The sandbox's Counterpoint database: counterpoint-schema.md §7 (STR_ID added to PS_ORD_HIST)
-- plus Commerce5's order-error table of domain.md §4. SQLite DDL; on SQL Server TIMESTAMP is datetime.
CREATE TABLE PS_DOC_HDR (
  DOC_ID        BIGINT       NOT NULL PRIMARY KEY, -- [N]
  DOC_TYP       CHAR(1)      NOT NULL,             -- [N] T/O ; L,Q [R:RIV,WDY]
  TKT_TYP       CHAR(1),                           -- [N]
  TKT_NO        VARCHAR(15)  NOT NULL,             -- [N]
  STR_ID        VARCHAR(10)  NOT NULL,             -- [N]
  STA_ID        VARCHAR(10)  NOT NULL,             -- [N]
  CUST_NO       VARCHAR(15),                       -- [N]
  TKT_DT        TIMESTAMP,                         -- [N] local time
  RS_UTC_DT     TIMESTAMP,                         -- [N]
  LST_MAINT_DT  TIMESTAMP,                         -- [N]
  DOC_GUID      VARCHAR(36),                       -- [N] uniqueidentifier on SQL Server
  IS_REL_TKT    CHAR(1) DEFAULT 'N',               -- [N]
  ORD_LINS      INTEGER DEFAULT 0,                 -- [N]
  SAL_LINS      INTEGER DEFAULT 0,                 -- [N]
  TO_REL_LINS   INTEGER DEFAULT 0,                 -- [N]
  HAS_RLSD_LINS CHAR(1) DEFAULT 'N',               -- [N]
  CUST_PO_NO    VARCHAR(20),                       -- [R:WDY]
  REF           VARCHAR(50),                       -- [R:GOLF,RAP-API] length [X]
  WEB_ORDER_NO  VARCHAR(40)                        -- [X] stand-in for the site's locator (e.g. USER_ECOMM_ORDER_NUMBER)
);
CREATE TABLE PS_DOC_LIN (
  DOC_ID        BIGINT        NOT NULL,            -- [N]
  LIN_SEQ_NO    INTEGER       NOT NULL,            -- [N]
  LIN_TYP       CHAR(1)       NOT NULL,            -- [N] S/O ; R [R:RIV]
  ITEM_NO       VARCHAR(20)   NOT NULL,            -- [N]
  QTY_SOLD      DECIMAL(15,4) NOT NULL,            -- [N] ordered qty on O lines
  ORIG_QTY      DECIMAL(15,4),                     -- [N]
  QTY_SHIPPED   DECIMAL(15,4),                     -- [N]
  QTY_TO_REL    DECIMAL(15,4),                     -- [N]
  QTY_TO_LEAVE  DECIMAL(15,4),                     -- [N]
  PRC           DECIMAL(15,4),                     -- [N] money on SQL Server
  EXT_PRC       DECIMAL(15,2),                     -- [N]
  LIN_GUID      VARCHAR(36),                       -- [N]
  PRIMARY KEY (DOC_ID, LIN_SEQ_NO)
);
CREATE TABLE PS_DOC_PMT (
  DOC_ID        BIGINT        NOT NULL,            -- [N]
  PMT_SEQ_NO    INTEGER       NOT NULL,            -- [N]
  PAY_COD       VARCHAR(10),                       -- [N] length [X]
  PAY_COD_TYP   CHAR(1),                           -- [N]
  AMT           DECIMAL(15,2) NOT NULL,            -- [N]
  FINAL_PMT     CHAR(1),                           -- [N] N = taken now (deposit)
  PMT_LIN_TYP   CHAR(1),                           -- [N] values beyond T unverified
  PAY_DAT       TIMESTAMP,                         -- [N]
  DEP_LIN_COPIED_TO_REL_DOC CHAR(1),               -- [N]
  PRIMARY KEY (DOC_ID, PMT_SEQ_NO)
);
CREATE TABLE PS_DOC_HDR_TOT (
  DOC_ID        BIGINT        NOT NULL,            -- [N]
  TOT_TYP       CHAR(1)       NOT NULL,            -- [N] S sale, O order [R:RIV]
  SUB_TOT       DECIMAL(15,2),                     -- [N]
  TAX_AMT       DECIMAL(15,2),                     -- [N]
  TOT           DECIMAL(15,2),                     -- [N]
  TOT_TND       DECIMAL(15,2),                     -- [N]
  AMT_DUE       DECIMAL(15,2),                     -- [N]
  INITIAL_MIN_DUE DECIMAL(15,2),                   -- [N]
  PRIMARY KEY (DOC_ID, TOT_TYP)                    -- key [X]
);
CREATE TABLE PS_DOC_HDR_ORIG_DOC (
  DOC_ID        BIGINT NOT NULL,                   -- [R:PYSHOP] ticket/release doc
  ORIG_DOC_ID   BIGINT NOT NULL,                   -- [R:PYSHOP] the order doc
  PRIMARY KEY (DOC_ID, ORIG_DOC_ID)                -- key [X]
);
CREATE TABLE PS_DOC_AUDIT_LOG (
  DOC_ID        BIGINT      NOT NULL,              -- [N]
  LOG_SEQ_NO    INTEGER     NOT NULL,              -- [N]
  DOC_TYP       CHAR(1),                           -- [N]
  DOC_GUID      VARCHAR(36),                       -- [N]
  CURR_DT       TIMESTAMP,                         -- [N]
  ACTIV         CHAR(1),                           -- [N] N ; E,I,C [R:RIV]
  LOG_ENTRY     VARCHAR(250),                      -- [N] length [X]
  PRIMARY KEY (DOC_ID, LOG_SEQ_NO)
);
CREATE TABLE PS_TKT_HIST (
  DOC_ID        BIGINT      NOT NULL PRIMARY KEY,  -- [R:RIV,MAG] real PK may add BUS_DAT [X]
  BUS_DAT       TIMESTAMP,                         -- [R:RIV,MAG]
  TKT_NO        VARCHAR(15) NOT NULL,              -- [R:MAG]
  TKT_TYP       CHAR(1),                           -- [R:MAG]
  STR_ID        VARCHAR(10),                       -- [R:MAG]
  CUST_NO       VARCHAR(15),                       -- [R:MAG]
  TKT_DT        TIMESTAMP,                         -- [R:MAG]
  TOT           DECIMAL(15,2),                     -- [R:RIV,MAG]
  TOT_TND       DECIMAL(15,2),                     -- [R:RIV,MAG]
  IS_REL_TKT    CHAR(1)                            -- [X] assumed carried from PS_DOC_HDR
);
CREATE TABLE PS_TKT_HIST_LIN (
  DOC_ID        BIGINT        NOT NULL,            -- [R:RIV]
  LIN_SEQ_NO    INTEGER       NOT NULL,            -- [R:RIV]
  LIN_TYP       CHAR(1),                           -- [R:RIV] S/A/R/U
  ITEM_NO       VARCHAR(20),                       -- [R:RIV]
  QTY_SOLD      DECIMAL(15,4),                     -- [R:RIV]
  EXT_PRC       DECIMAL(15,2),                     -- [R:RIV]
  LIN_GUID      VARCHAR(36),                       -- [R:RIV]
  LINK_LIN_GUID VARCHAR(36),                       -- [R:RIV] -> PS_DOC_LIN.LIN_GUID of the order
  PRIMARY KEY (DOC_ID, LIN_SEQ_NO)
);
CREATE TABLE PS_TKT_HIST_PMT (
  DOC_ID        BIGINT        NOT NULL,            -- [R:MAG]
  PMT_SEQ_NO    INTEGER       NOT NULL,            -- [R:MAG]
  PAY_COD       VARCHAR(10),                       -- [R:MAG]
  PMT_LIN_TYP   CHAR(1),                           -- [R:MAG]
  AMT           DECIMAL(15,2),                     -- [R:MAG]
  PRIMARY KEY (DOC_ID, PMT_SEQ_NO)
);
CREATE TABLE PS_TKT_HIST_ORIG_DOC (
  DOC_ID        BIGINT      NOT NULL,              -- [R:MAG]
  ORIG_TKT_NO   VARCHAR(15) NOT NULL,              -- [R:MAG] the order's TKT_NO
  ORIG_DOC_ID   BIGINT,                            -- [X] by analogy with PS_DOC_HDR_ORIG_DOC
  PRIMARY KEY (DOC_ID, ORIG_TKT_NO)                -- key [X]
);
CREATE TABLE PS_ORD_HIST (
  DOC_ID        BIGINT      NOT NULL PRIMARY KEY,  -- [R:MAG]
  BUS_DAT       TIMESTAMP,                         -- [R:MAG]
  TKT_NO        VARCHAR(15) NOT NULL,              -- [R:MAG]
  CUST_NO       VARCHAR(15),                       -- [R:MAG]
  TKT_DT        TIMESTAMP,                         -- [R:MAG]
  TOT           DECIMAL(15,2),                     -- [R:MAG]
  TOT_TND       DECIMAL(15,2),                     -- [R:MAG]
  DOC_GUID      VARCHAR(36),                       -- [X] inferred from RIV's DOC_GUID joins
  STR_ID        VARCHAR(10)                        -- added for the sandbox (domain.md §3)
);
CREATE TABLE PS_ORD_HIST_AUDIT_LOG (
  DOC_ID        BIGINT      NOT NULL,              -- [R:RIV]
  LOG_SEQ_NO    INTEGER     NOT NULL,              -- [R:RIV]
  DOC_TYP       CHAR(1),                           -- [R:RIV]
  DOC_GUID      VARCHAR(36),                       -- [R:RIV]
  CURR_DT       TIMESTAMP,                         -- [R:RIV]
  ACTIV         CHAR(1),                           -- [R:RIV] C = cancelled (interpretation)
  PRIMARY KEY (DOC_ID, LOG_SEQ_NO)                 -- key [X]
);

CREATE TABLE USER_C5_ORD_ERR (
  ERR_ID        BIGINT       NOT NULL PRIMARY KEY,
  STR_ID        VARCHAR(10)  NOT NULL,       -- Counterpoint web store
  ORD_NO        VARCHAR(15)  NOT NULL,       -- = Magento increment_id
  ERR_TYP       VARCHAR(20)  NOT NULL,       -- import | invoice | capture | shipment | cancel | attention
  ERR_MSG       VARCHAR(500) NOT NULL,
  ERR_DT        DATETIME     NOT NULL,
  IS_DISMISSED  CHAR(1)      DEFAULT 'N',     -- 'Y' stops the e-mails; NULL or 'N' = open
  DISMISSED_BY  VARCHAR(30),
  DISMISSED_DT  DATETIME,
  LST_EMAIL_DT  DATETIME,
  EMAIL_CNT     INTEGER      NOT NULL DEFAULT 0
);

-- Indexes on the columns c5attn's queries look up by (c5attn/counterpoint/queries.py); the other
-- lookups (DOC_ID on lines, payments and audit logs) lead their primary keys already.
CREATE INDEX IX_PS_DOC_HDR_TKT_NO ON PS_DOC_HDR (TKT_NO);
CREATE INDEX IX_PS_ORD_HIST_TKT_NO ON PS_ORD_HIST (TKT_NO);
CREATE INDEX IX_PS_DOC_HDR_ORIG_DOC_ORIG_DOC_ID ON PS_DOC_HDR_ORIG_DOC (ORIG_DOC_ID);
CREATE INDEX IX_PS_TKT_HIST_ORIG_DOC_ORIG_TKT_NO ON PS_TKT_HIST_ORIG_DOC (ORIG_TKT_NO);
CREATE INDEX IX_USER_C5_ORD_ERR_ORD_NO ON USER_C5_ORD_ERR (ORD_NO);
